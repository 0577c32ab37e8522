// The scheduler's hard rules that depend on other pods and on volumes, for one pod on one node:
// host ports, required inter-pod affinity and anti-affinity (both the pod's own terms and the
// anti-affinity of pods already there), topology spread constraints with DoNotSchedule, and
// the node affinity and zone labels of the PersistentVolumes the pod's claims are bound to.
//
// Where the scheduler's rule needs something this snapshot does not hold (the labels of
// namespaces, say), the rule here is the stricter reading, so the check may say "does not
// fit" where the scheduler would place the pod, never the other way round.
import type {
  V1LabelSelector,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodAffinityTerm,
  V1TopologySpreadConstraint,
} from '@kubernetes/client-node';
import { labelSelectorMatches } from './label-selector.js';
import { termMatches } from './scheduling.js';

/** Where pods are, as the scheduler would see it once the drained node's pods have moved. */
export interface PodWorld {
  /** Every node (the cordoned and the drained ones too: topology domains come from them). */
  nodes: V1Node[];
  /** The pods on each node, the ones already placed by this packing included. */
  podsOn: Map<string, V1Pod[]>;
  claims: V1PersistentVolumeClaim[];
  volumes: V1PersistentVolume[];
  /**
   * The pods of `podsOn` with required anti-affinity of their own, and their nodes: few in most
   * clusters, and looked at for every pod and node tried, so they are kept apart rather than
   * found again among every pod each time (see antiAffinityHolders).
   */
  holders: { pod: V1Pod; node: V1Node }[];
}

const antiAffinityTerms = (pod: V1Pod): V1PodAffinityTerm[] => pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];

/** The pods on `nodes` that carry required anti-affinity terms, for PodWorld.holders. */
export function antiAffinityHolders(nodes: readonly V1Node[], podsOn: ReadonlyMap<string, V1Pod[]>): { pod: V1Pod; node: V1Node }[] {
  return nodes.flatMap((node) => (podsOn.get(node.metadata?.name ?? '') ?? []).filter((pod) => antiAffinityTerms(pod).length > 0).map((pod) => ({ pod, node })));
}

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

const namespaceOf = (pod: V1Pod): string => pod.metadata?.namespace ?? 'default';
const labelsOf = (node: V1Node): Record<string, string> => node.metadata?.labels ?? {};

/** Why `node` refuses `pod` for one of these rules, or undefined when none does. */
export function podRuleRefusal(pod: V1Pod, node: V1Node, world: PodWorld): string | undefined {
  return hostPortRefusal(pod, node, world) ?? volumeRefusal(pod, node, world) ?? antiAffinityRefusal(pod, node, world) ?? affinityRefusal(pod, node, world) ?? spreadRefusal(pod, node, world);
}

// Host ports: two pods on one node cannot bind the same port and protocol on overlapping IPs.
function hostPorts(pod: V1Pod): { port: number; protocol: string; ip: string }[] {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  return containers.flatMap((c) => (c.ports ?? []).filter((p) => (p.hostPort ?? 0) > 0).map((p) => ({ port: p.hostPort ?? 0, protocol: p.protocol ?? 'TCP', ip: p.hostIP || '0.0.0.0' })));
}

function hostPortRefusal(pod: V1Pod, node: V1Node, world: PodWorld): string | undefined {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return undefined;
  for (const other of world.podsOn.get(node.metadata?.name ?? '') ?? []) {
    for (const used of hostPorts(other)) {
      const clash = wanted.find((w) => w.port === used.port && w.protocol === used.protocol && (w.ip === used.ip || w.ip === '0.0.0.0' || used.ip === '0.0.0.0'));
      if (clash) return `host port ${clash.port}/${clash.protocol} taken by ${namespaceOf(other)}/${other.metadata?.name ?? '?'}`;
    }
  }
  return undefined;
}

// Volumes: a bound claim's volume may only be used where its node affinity (or, on older
// volumes, its zone labels) allows. A claim the snapshot does not show, or one not bound yet,
// is refused: the check cannot know where its volume will be.
function volumeRefusal(pod: V1Pod, node: V1Node, world: PodWorld): string | undefined {
  for (const v of pod.spec?.volumes ?? []) {
    const claimName = v.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    const claim = world.claims.find((c) => c.metadata?.name === claimName && (c.metadata?.namespace ?? 'default') === namespaceOf(pod));
    if (!claim) return `claim ${namespaceOf(pod)}/${claimName} not found`;
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) return `claim ${namespaceOf(pod)}/${claimName} is not bound to a volume`;
    const volume = world.volumes.find((pv) => pv.metadata?.name === volumeName);
    if (!volume) return `volume ${volumeName} of claim ${namespaceOf(pod)}/${claimName} not found`;
    const required = volume.spec?.nodeAffinity?.required;
    if (required && !required.nodeSelectorTerms.some((t) => termMatches(t, node))) return `volume ${volumeName} (claim ${claimName}) cannot be attached here (its node affinity)`;
    for (const key of ZONE_LABELS) {
      const want = volume.metadata?.labels?.[key];
      // A multi-zone volume lists its zones joined by "__".
      if (want !== undefined && !want.split('__').includes(labelsOf(node)[key] ?? '')) return `volume ${volumeName} (claim ${claimName}) is in ${key}=${want}`;
    }
  }
  return undefined;
}

/** The namespaces a term looks in; undefined means every namespace. */
function termNamespaces(term: V1PodAffinityTerm, owner: V1Pod, widen: boolean): Set<string> | undefined {
  const selector = term.namespaceSelector;
  const selectsAll = selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (selectsAll) return undefined;
  // A namespaceSelector with labels needs the namespaces' labels, which the snapshot lacks:
  // anti-affinity reads it as every namespace (refuses more), affinity as only the listed ones.
  if (selector && widen) return undefined;
  const listed = term.namespaces ?? [];
  return new Set(listed.length > 0 || selector ? listed : [namespaceOf(owner)]);
}

function termSelects(term: V1PodAffinityTerm, owner: V1Pod, target: V1Pod, widen: boolean): boolean {
  const namespaces = termNamespaces(term, owner, widen);
  if (namespaces && !namespaces.has(namespaceOf(target))) return false;
  return labelSelectorMatches(withMatchLabelKeys(term.labelSelector, term.matchLabelKeys, owner), target.metadata?.labels);
}

/** matchLabelKeys narrows a selector to the owner's values of those labels. */
function withMatchLabelKeys(selector: V1LabelSelector | undefined, keys: string[] | undefined, owner: V1Pod): V1LabelSelector | undefined {
  if (!selector || !keys || keys.length === 0) return selector;
  const labels = owner.metadata?.labels ?? {};
  const extra = keys.filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: 'In', values: [labels[k] ?? ''] }));
  return { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
}

/** Every pod on a node in the same `key` domain as `node` (none when the node lacks the key). */
function podsInDomain(node: V1Node, key: string, world: PodWorld): V1Pod[] {
  const value = labelsOf(node)[key];
  if (value === undefined) return [];
  return world.nodes.filter((n) => labelsOf(n)[key] === value).flatMap((n) => world.podsOn.get(n.metadata?.name ?? '') ?? []);
}

const required = (terms: V1PodAffinityTerm[] | undefined): V1PodAffinityTerm[] => terms ?? [];

function antiAffinityRefusal(pod: V1Pod, node: V1Node, world: PodWorld): string | undefined {
  for (const term of antiAffinityTerms(pod)) {
    const clash = podsInDomain(node, term.topologyKey, world).find((other) => termSelects(term, pod, other, true));
    if (clash) return `pod anti-affinity (${term.topologyKey}) with ${namespaceOf(clash)}/${clash.metadata?.name ?? '?'}`;
  }
  // The anti-affinity of the pods already there, turned against this pod.
  for (const holder of world.holders) {
    for (const term of antiAffinityTerms(holder.pod)) {
      const value = labelsOf(holder.node)[term.topologyKey];
      if (value === undefined || labelsOf(node)[term.topologyKey] !== value) continue;
      if (termSelects(term, holder.pod, pod, true)) return `pod anti-affinity (${term.topologyKey}) of ${namespaceOf(holder.pod)}/${holder.pod.metadata?.name ?? '?'}`;
    }
  }
  return undefined;
}

function affinityRefusal(pod: V1Pod, node: V1Node, world: PodWorld): string | undefined {
  const terms = required(pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  if (terms.length === 0) return undefined;
  const everyone = [...world.podsOn.values()].flat();
  // The scheduler lets the first pod of a group that selects itself go anywhere the key exists.
  const alone = terms.every((t) => !everyone.some((other) => termSelects(t, pod, other, false))) && terms.every((t) => termSelects(t, pod, pod, false));
  for (const term of terms) {
    if (labelsOf(node)[term.topologyKey] === undefined) return `pod affinity: node has no ${term.topologyKey} label`;
    if (alone) continue;
    if (!podsInDomain(node, term.topologyKey, world).some((other) => termSelects(term, pod, other, false))) return `pod affinity (${term.topologyKey}) not met`;
  }
  return undefined;
}

// Topology spread, DoNotSchedule: the node's domain may not get more than maxSkew matching
// pods above the least-loaded domain. Domains come from the nodes the pod could go to by its
// node selector and node affinity (taints are ignored, the scheduler's default policy), so a
// cordoned node still counts as a domain, as it does for the scheduler.
function spreadRefusal(pod: V1Pod, node: V1Node, world: PodWorld): string | undefined {
  const constraints = (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (constraints.length === 0) return undefined;
  const keys = constraints.map((c) => c.topologyKey);
  const eligible = world.nodes.filter((n) => keys.every((k) => labelsOf(n)[k] !== undefined) && (n === node || nodeAffinityAllows(pod, n)));
  for (const c of constraints) {
    const value = labelsOf(node)[c.topologyKey];
    if (value === undefined) return `topology spread: node has no ${c.topologyKey} label`;
    const counts = new Map<string, number>();
    for (const n of eligible) {
      const domain = labelsOf(n)[c.topologyKey] ?? '';
      const matching = (world.podsOn.get(n.metadata?.name ?? '') ?? []).filter((p) => spreadSelects(c, pod, p)).length;
      counts.set(domain, (counts.get(domain) ?? 0) + matching);
    }
    const min = counts.size < (c.minDomains ?? 1) ? 0 : Math.min(...counts.values());
    const self = labelSelectorMatches(withMatchLabelKeys(c.labelSelector, c.matchLabelKeys, pod), pod.metadata?.labels) ? 1 : 0;
    const skew = (counts.get(value) ?? 0) + self - min;
    if (skew > c.maxSkew) return `topology spread (${c.topologyKey}, maxSkew ${c.maxSkew}) would be ${skew}`;
  }
  return undefined;
}

function spreadSelects(c: V1TopologySpreadConstraint, owner: V1Pod, other: V1Pod): boolean {
  if (namespaceOf(other) !== namespaceOf(owner) || other.metadata?.deletionTimestamp) return false;
  return labelSelectorMatches(withMatchLabelKeys(c.labelSelector, c.matchLabelKeys, owner), other.metadata?.labels);
}

function nodeAffinityAllows(pod: V1Pod, node: V1Node): boolean {
  const labels = labelsOf(node);
  if (!Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms || terms.some((t) => termMatches(t, node));
}

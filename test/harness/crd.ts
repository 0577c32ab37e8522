import { CRD_PATH } from '../../crds/schema.js';
import type { ControlPlane } from '../../dev/sandbox/control-plane.js';
import { HarnessError } from '../../dev/sandbox/supervisor.js';

/** Applies the SpotGuardFallbackEvent CRD with kubectl and waits until it is served. */
export async function installCrd(plane: ControlPlane): Promise<void> {
  const applied = await plane.kubectl(['apply', '-f', CRD_PATH]);
  if (applied.code !== 0) throw new HarnessError('kubectl apply', applied.stderr);
  const established = await plane.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/spotguardfallbackevents.aws.amazon.com']);
  if (established.code !== 0) throw new HarnessError('kubectl wait', established.stderr);
}

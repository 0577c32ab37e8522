// Loads the CRD YAML, the one source of truth, and exposes its parts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CRD_PATH = fileURLToPath(new URL('./spotguardfallbackevent.crd.yaml', import.meta.url));

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  [keyword: string]: unknown;
}

interface CrdDocument {
  spec: {
    group: string;
    names: { kind: string; plural: string; singular: string; shortNames: string[] };
    versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[];
  };
}

export const crdDocument = parse(readFileSync(CRD_PATH, 'utf8')) as CrdDocument;

const version = crdDocument.spec.versions[0];
if (!version) throw new Error(`${CRD_PATH}: no version defined`);

export const GROUP = crdDocument.spec.group;
export const VERSION = version.name;
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = crdDocument.spec.names.kind;
export const PLURAL = crdDocument.spec.names.plural;
export const openApiSchema: JsonSchema = version.schema.openAPIV3Schema;

export interface MapSchemaOptions {
  /** Keywords to leave out (e.g. the Kubernetes-only x-kubernetes-* ones). */
  drop: (keyword: string) => boolean;
  /** A node to use instead of this one (its children are not visited). */
  replace?: (node: JsonSchema) => JsonSchema | undefined;
  /** A last touch on each copied node. */
  finish?: (node: JsonSchema) => JsonSchema;
}

/** A copy of `schema` with `properties` and `items` walked recursively. */
export function mapSchema(schema: JsonSchema, options: MapSchemaOptions): JsonSchema {
  const replaced = options.replace?.(schema);
  if (replaced) return replaced;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (options.drop(key)) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, mapSchema(v, options)]));
    } else if (key === 'items' && value && typeof value === 'object') {
      out.items = mapSchema(value as JsonSchema, options);
    } else {
      out[key] = value;
    }
  }
  return options.finish ? options.finish(out) : out;
}

// Runtime validation compiled from the CRD YAML's own schema, for objects that reach the
// agent from anywhere (a watch can deliver objects stored before a schema change).
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { openApiSchema, type JsonSchema } from './schema.js';
import type { SpotGuardFallbackEvent } from './spotguardfallbackevent.types.js';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The schema without the Kubernetes-only keywords (x-kubernetes-*), which JSON Schema does not know. */
function jsonSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, jsonSchema(v)]));
    } else if (key === 'items' && value && typeof value === 'object') {
      out.items = jsonSchema(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const check = ajv.compile<SpotGuardFallbackEvent>(jsonSchema(openApiSchema));

function describe(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(object)';
  const field = e.keyword === 'required' ? `${path === '(object)' ? '' : `${path}.`}${String(e.params.missingProperty)}` : path;
  return `${field}: ${e.message ?? 'is invalid'}`;
}

export type Validation = { ok: true; event: SpotGuardFallbackEvent } | { ok: false; errors: string[] };

export function validateFallbackEvent(object: unknown): Validation {
  if (check(object)) return { ok: true, event: object };
  return { ok: false, errors: (check.errors ?? []).map(describe) };
}

// Runtime validation compiled from the CRD YAML's own schema, for objects that reach the
// agent from anywhere (a watch can deliver objects stored before a schema change).
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { mapSchema, openApiSchema } from './schema.js';
import type { SpotGuardFallbackEvent } from './spotguardfallbackevent.types.js';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// The Kubernetes-only keywords (x-kubernetes-*) are not JSON Schema.
const check = ajv.compile<SpotGuardFallbackEvent>(mapSchema(openApiSchema, { drop: (key) => key.startsWith('x-kubernetes-') }));

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

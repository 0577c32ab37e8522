// Runtime validation by the CRD YAML's own schema, for objects that reach the agent from
// anywhere (a watch can deliver objects stored before a schema change). The validator is
// compiled ahead of time by `npm run generate` (Ajv's standalone code), so the agent neither
// parses the YAML nor loads Ajv's compiler when it starts.
import type { ErrorObject } from 'ajv';
import { validate as check } from './spotguardfallbackevent.validate.generated.js';
import type { SpotGuardFallbackEvent } from './spotguardfallbackevent.types.js';

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

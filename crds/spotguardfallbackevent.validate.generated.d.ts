// Generated from spotguardfallbackevent.crd.yaml by crds/generate.ts (npm run generate). Do not edit.
import type { ErrorObject } from 'ajv';
import type { SpotGuardFallbackEvent } from './spotguardfallbackevent.types.js';

/** Ajv's validate function, compiled ahead of time: `errors` holds the last call's errors. */
export interface StandaloneValidate<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

export declare const validate: StandaloneValidate<SpotGuardFallbackEvent>;
export default validate;

// A case of module-cost.bench.ts: the CRD validator as the agent built it before it was
// generated: the YAML read and parsed, and ajv compiling its schema at start.
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { mapSchema, openApiSchema } from '../../crds/schema.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
export const check = ajv.compile(mapSchema(openApiSchema, { drop: (key) => key.startsWith('x-kubernetes-') }));

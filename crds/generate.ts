// Generates, from the CRD YAML, everything the agent needs of it at run time, so that the agent
// reads no YAML and compiles no schema when it starts; and copies the YAML into the Helm chart
// (Helm reads CRDs only from inside the chart).
//   npm run generate            write them all
//   (the crd tests compare a fresh generation with every committed file)
//
// The generated files are named after the CRD's singular name like the YAML they come from
// (spotguardfallbackevent.crd.yaml), with a role suffix, and `.generated` where the name alone
// would not say that a hand edit is overwritten by the next `npm run generate`.
import { copyFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standalone from 'ajv/dist/standalone/index.js';
import { compile } from 'json-schema-to-typescript';
import { API_VERSION, CRD_PATH, GROUP, KIND, PLURAL, VERSION, mapSchema, openApiSchema, type JsonSchema } from './schema.js';

const here = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
export const TYPES_PATH = here('spotguardfallbackevent.types.ts');
export const NAMES_PATH = here('spotguardfallbackevent.names.generated.ts');
export const VALIDATOR_PATH = here('spotguardfallbackevent.validate.generated.js');
export const VALIDATOR_TYPES_PATH = here('spotguardfallbackevent.validate.generated.d.ts');
export const CHART_CRD_PATH = fileURLToPath(new URL('../deploy/helm/spot-guard/crds/spotguardfallbackevent.crd.yaml', import.meta.url));

const BANNER = '// Generated from spotguardfallbackevent.crd.yaml by crds/generate.ts (npm run generate). Do not edit.\n';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Drops the Kubernetes-only keywords that JSON Schema tools do not know. A titled schema met
 * again (the YAML reuses one step schema for all five steps) becomes a reference to the first.
 */
function toJsonSchema(schema: JsonSchema): JsonSchema {
  const seen = new Set<string>();
  return mapSchema(schema, {
    drop: (key) => key.startsWith('x-kubernetes-') || key === 'default',
    replace: (node) => {
      const title = typeof node.title === 'string' ? node.title : undefined;
      if (title && seen.has(title)) return { tsType: title };
      if (title) seen.add(title);
      return undefined;
    },
    finish: (node) => (node.type === 'object' && node.properties ? { ...node, additionalProperties: false } : node),
  });
}

export async function generateTypes(): Promise<string> {
  const schema = toJsonSchema(openApiSchema);
  // metadata is Kubernetes' ObjectMeta; the generated type leaves it open.
  if (schema.properties?.metadata) schema.properties.metadata = { type: 'object', tsType: 'V1ObjectMeta' };
  return compile(schema as Parameters<typeof compile>[0], 'SpotGuardFallbackEvent', {
    bannerComment: `${BANNER}import type { V1ObjectMeta } from '@kubernetes/client-node';`,
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 120 },
    unreachableDefinitions: false,
    ignoreMinAndMaxItems: true,
  });
}

/** The resource's names as constants: the API paths and kinds the agent writes. */
export function generateNames(): string {
  const constants = { GROUP, VERSION, API_VERSION, KIND, PLURAL };
  return `${BANNER}// The agent imports its names from here, so it needs neither the YAML nor a YAML parser.\n${Object.entries(constants)
    .map(([name, value]) => `export const ${name} = ${JSON.stringify(value).replaceAll('"', "'")};\n`)
    .join('')}`;
}

/** The runtime validator's Ajv options, as it compiled them at start before it was generated (the test compiles with them too). */
export const VALIDATOR_OPTIONS = { allErrors: true, strict: false } as const;

/** The schema the runtime validator checks: the CRD's, less the Kubernetes-only x-kubernetes-* keywords. */
export const validatorSchema = (): JsonSchema => mapSchema(openApiSchema, { drop: (key) => key.startsWith('x-kubernetes-') });

/**
 * The validator as Ajv's standalone ES module, and its types. Ajv writes the helpers it needs
 * (ajv-formats' date-time, its own ucs2length) as `require("...")` even in ESM output, so each
 * becomes the default import, which is what require() returns (module.exports) in Node and in
 * esbuild alike; they are small runtime modules, never Ajv's compiler.
 */
export function generateValidator(): { js: string; dts: string } {
  const ajv = new Ajv({ ...VALIDATOR_OPTIONS, code: { source: true, esm: true, lines: true } });
  addFormats(ajv);
  const code = standalone.default(ajv, ajv.compile(validatorSchema()));
  const imports = new Map<string, string>();
  // An ES module is strict already, and the directive would no longer come first.
  const body = code.replace(/^"use strict";\n?/, '').replace(/require\("([^"]+)"\)/g, (_, specifier: string) => {
    const file = specifier.endsWith('.js') ? specifier : `${specifier}.js`;
    if (!imports.has(file)) imports.set(file, `${(file.split('/').at(-1) ?? '').replace(/\W/g, '_').replace(/_js$/, '')}Module${imports.size}`);
    return imports.get(file) as string;
  });
  if (/\brequire\(/.test(body)) throw new Error('standalone validator: a require() is left');
  const js = `${BANNER}${[...imports].map(([file, name]) => `import ${name} from '${file}';\n`).join('')}${body}\n`;
  const dts =
    `${BANNER}import type { ErrorObject } from 'ajv';\nimport type { SpotGuardFallbackEvent } from './spotguardfallbackevent.types.js';\n\n` +
    '/** Ajv\'s validate function, compiled ahead of time: `errors` holds the last call\'s errors. */\n' +
    'export interface StandaloneValidate<T> {\n  (data: unknown): data is T;\n  errors?: ErrorObject[] | null;\n}\n\n' +
    'export declare const validate: StandaloneValidate<SpotGuardFallbackEvent>;\nexport default validate;\n';
  return { js, dts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const validator = generateValidator();
  writeFileSync(TYPES_PATH, await generateTypes());
  writeFileSync(NAMES_PATH, generateNames());
  writeFileSync(VALIDATOR_PATH, validator.js);
  writeFileSync(VALIDATOR_TYPES_PATH, validator.dts);
  copyFileSync(CRD_PATH, CHART_CRD_PATH);
  for (const path of [TYPES_PATH, NAMES_PATH, VALIDATOR_PATH, VALIDATOR_TYPES_PATH, CHART_CRD_PATH]) console.log(`wrote ${path}`);
}

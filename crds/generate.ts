// Generates spotguardfallbackevent.types.ts from the CRD YAML, and copies the YAML into the
// Helm chart (Helm reads CRDs only from inside the chart).
//   npm run generate            write both
//   (the crd test compares a fresh generation with the committed file)
import { copyFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { CRD_PATH, mapSchema, openApiSchema, type JsonSchema } from './schema.js';

export const TYPES_PATH = fileURLToPath(new URL('./spotguardfallbackevent.types.ts', import.meta.url));
export const CHART_CRD_PATH = fileURLToPath(new URL('../deploy/helm/spot-guard/crds/spotguardfallbackevent.crd.yaml', import.meta.url));

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
    bannerComment:
      '// Generated from spotguardfallbackevent.crd.yaml by crds/generate.ts (npm run generate). Do not edit.\n' +
      "import type { V1ObjectMeta } from '@kubernetes/client-node';",
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 120 },
    unreachableDefinitions: false,
    ignoreMinAndMaxItems: true,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(TYPES_PATH, await generateTypes());
  copyFileSync(CRD_PATH, CHART_CRD_PATH);
  console.log(`wrote ${TYPES_PATH} and ${CHART_CRD_PATH}`);
}

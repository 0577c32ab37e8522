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

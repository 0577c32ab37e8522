// A tiny XML writer for the AWS Query protocol. The response shapes are plain trees of
// structures, lists and scalars, so a generic writer over plain objects is enough and keeps
// each action's response readable as data rather than as string templates.

/** A value that becomes XML: a scalar is text, an object is a structure, an array a `<member>` list. */
export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [element: string]: XmlValue };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text content only (quotes need no escape outside attributes, and AWS leaves them as they are). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
}

/** `<name>…</name>`; undefined values are left out, as AWS leaves out absent members. */
export function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element('member', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => element(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** The whole document, with the service namespace on the root element. */
export function document(root: string, namespace: string, children: Record<string, XmlValue>): string {
  const body = Object.entries(children).map(([k, v]) => element(k, v)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${body}</${root}>\n`;
}

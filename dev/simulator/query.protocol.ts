// The AWS Query protocol's envelope, as the Auto Scaling API uses it: a form-encoded request
// (Action, Version, members flattened as `Names.member.1=...`) and an XML answer wrapped in
// `<ActionResponse><ActionResult>` with the request id, or an `<ErrorResponse>` whose
// `<Error>` carries Type, Code and Message, with the HTTP status that goes with the code.
import { QueryError, missingParameter } from './aws.wording.js';
import { document, type XmlValue } from './xml.writer.js';

export const NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
export const API_VERSION = '2011-01-01';

export interface QueryReply {
  status: number;
  body: string;
}

export function successReply(action: string, result: Record<string, XmlValue> | undefined, requestId: string): QueryReply {
  const children: Record<string, XmlValue> = {};
  if (result) children[`${action}Result`] = result;
  children.ResponseMetadata = { RequestId: requestId };
  return { status: 200, body: document(`${action}Response`, NAMESPACE, children) };
}

export function errorReply(err: QueryError, requestId: string): QueryReply {
  return { status: err.status, body: document('ErrorResponse', NAMESPACE, { Error: { Type: err.type, Code: err.code, Message: err.message }, RequestId: requestId }) };
}

/** A list member such as `InstanceIds.member.1`, `.2`, … in index order. */
export function readList(params: URLSearchParams, name: string): string[] {
  const prefix = `${name}.member.`;
  return [...params.entries()]
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [Number(k.slice(prefix.length)), v] as const)
    .filter(([i]) => Number.isInteger(i))
    .sort(([a], [b]) => a - b)
    .map(([, v]) => v);
}

/** `member` is the lower-camel name AWS's validation messages use. */
export function requireString(params: URLSearchParams, name: string, member: string): string {
  const v = params.get(name);
  if (v === null || v === '') throw missingParameter(member);
  return v;
}

export function readInt(params: URLSearchParams, name: string, member: string, required: true): number;
export function readInt(params: URLSearchParams, name: string, member: string, required?: false): number | undefined;
export function readInt(params: URLSearchParams, name: string, member: string, required = false): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') {
    if (required) throw missingParameter(member);
    return undefined;
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new QueryError('ValidationError', `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must be an integer`);
  return n;
}

export function readBool(params: URLSearchParams, name: string, member: string): boolean {
  const v = params.get(name);
  if (v === null || v === '') throw missingParameter(member);
  if (v !== 'true' && v !== 'false') throw new QueryError('ValidationError', `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must be a boolean`);
  return v === 'true';
}

/** NextToken is opaque to clients; here it is the offset of the next page. */
export function page<T>(items: readonly T[], params: URLSearchParams, limit: number, fallback: number): { items: T[]; nextToken?: string } {
  const max = readInt(params, 'MaxRecords', 'maxRecords') ?? fallback;
  if (max > limit) throw new QueryError('ValidationError', `1 validation error detected: Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to ${limit}`);
  if (max < 1) throw new QueryError('ValidationError', `1 validation error detected: Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  const token = params.get('NextToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new QueryError('InvalidNextToken', 'The NextToken value is invalid.');
  const end = start + max;
  return { items: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end), 'utf8').toString('base64url') : undefined };
}

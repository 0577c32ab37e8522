// The EC2 instance behind a Node, read from spec.providerID. Strict on purpose: the instance
// ID decides which instance gets terminated, so anything that is not plainly an AWS providerID
// ending in an instance ID yields nothing rather than a guess.

const AWS_PREFIX = 'aws:///';
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** `aws:///us-east-1a/i-0123456789abcdef0` or `aws:///i-0123456789abcdef0` → the instance ID. */
export function instanceIdOf(providerID: string | undefined): string | undefined {
  if (!providerID?.startsWith(AWS_PREFIX)) return undefined;
  const segments = providerID.slice(AWS_PREFIX.length).split('/');
  // At most a zone before the instance ID; an empty segment means a malformed path.
  if (segments.length > 2 || segments.some((s) => s === '')) return undefined;
  const id = segments[segments.length - 1];
  return id !== undefined && INSTANCE_ID.test(id) ? id : undefined;
}

// Event names follow the seed: fallback-<unix seconds of the fallback>-<suffix>.
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function eventName(timestamp: Date, randomBytes: Uint8Array): string {
  const seconds = Math.floor(timestamp.getTime() / 1000);
  const suffix = Array.from(randomBytes.slice(0, 6), (b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
  if (suffix.length < 6) throw new Error('eventName needs at least 6 random bytes');
  return `fallback-${seconds}-${suffix}`;
}

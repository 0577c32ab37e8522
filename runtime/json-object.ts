// Annotations and other text that should hold one JSON object: the object, or undefined when the
// text is not JSON or not an object (callers then check the fields they need, and trust nothing else).
export function jsonObject(text: string): Record<string, unknown> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}

// What the benches share in reading their command line.

/** A numeric flag of `values` (node:util parseArgs), at least `min`, or a clear error naming it. */
export function numberArg<V extends Record<string, unknown>>(values: V, name: keyof V & string, min: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} ${String(values[name])}: must be a number of at least ${min}`);
  return n;
}

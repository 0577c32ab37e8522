// Kubernetes resource quantities, parsed exactly. The client library's quantityToScalar is not
// exported from its package index, mixes number and bigint, and throws on "1.5Gi"; packing pods
// against a node's last free millicore needs exact sums, so values are bigints of nano-units
// (1 cpu = 1e9, 1 byte = 1e9), the finest scale Kubernetes keeps.

export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  constructor(readonly text: string) {
    super(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  }
}

export const NANO = 1_000_000_000n;

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
// Exponent before the bare E (exa) so that "1E3" is a thousand and "1E" an exa.
const GRAMMAR = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
// Kubernetes caps exponents far below this; the bound keeps a hostile "1e999999" from allocating.
const MAX_EXPONENT = 64;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/**
 * Parses a quantity ("250m", "1.5Gi", "2", "1e3", "128974848", "12E") into nano-units,
 * rounding a finer fraction up as Kubernetes does. Throws QuantityError on anything else.
 */
export function parseQuantity(text: string): bigint {
  const match = GRAMMAR.exec(text.trim());
  if (!match) throw new QuantityError(text);
  const [, sign = '', number = '', exponent, suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  const mantissa = BigInt(`${whole}${fraction}` || '0');
  let decimal = exponent !== undefined ? Number(exponent.slice(1)) : (DECIMAL_SUFFIX[suffix] ?? 0);
  if (Math.abs(decimal) > MAX_EXPONENT) throw new QuantityError(text);
  const binary = BINARY_SUFFIX[suffix] ?? 0;
  // value = mantissa * 10^(decimal - fraction digits) * 2^binary, in units of 1e-9.
  decimal += 9 - fraction.length;
  let numerator = mantissa << BigInt(binary);
  let denominator = 1n;
  if (decimal >= 0) numerator *= pow10(decimal);
  else denominator = pow10(-decimal);
  const magnitude = (numerator + denominator - 1n) / denominator;
  return sign === '-' ? -magnitude : magnitude;
}

/** A quantity map entry (requests, allocatable) in nano-units; missing counts 0. */
export function quantityOf(map: Record<string, string> | undefined, resource: string): bigint {
  const text = map?.[resource];
  return text === undefined ? 0n : parseQuantity(text);
}

function decimalString(nanos: bigint, unit: bigint, digits: number): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const scale = pow10(digits);
  // Rounded down so that a "free" amount is never overstated in a message.
  const scaled = (abs * scale) / unit;
  const whole = scaled / scale;
  const fraction = (scaled % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** CPU for humans: "1.5", "0.25", "0.001". */
export function formatCpu(nanos: bigint): string {
  return decimalString(nanos, NANO, 3);
}

/** Memory for humans in the largest binary unit that keeps at least 1: "512Mi", "1.5Gi", "100". */
export function formatMemory(nanos: bigint): string {
  const bytes = nanos < 0n ? -nanos : nanos;
  for (const [suffix, shift] of [['Ti', 40n], ['Gi', 30n], ['Mi', 20n], ['Ki', 10n]] as const) {
    const unit = NANO << shift;
    if (bytes >= unit) return `${decimalString(nanos, unit, 2)}${suffix}`;
  }
  return decimalString(nanos, NANO, 0);
}

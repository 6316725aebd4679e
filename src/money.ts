/**
 * Money, in one way everywhere (reports, the exit line, the status line, caps): amounts are integer
 * nano-dollars and are rounded half up to whole cents for people. No floating point touches the
 * rounding, so $0.045 is $0.05 wherever it is shown.
 */

export const NANO_PER_USD = 1_000_000_000;
const NANO_PER_CENT = 10_000_000;

/** Nano-dollars (≥ 0) rounded half up to whole cents. */
export function roundedCents(nanoUsd: number): number {
  return Math.floor((nanoUsd + NANO_PER_CENT / 2) / NANO_PER_CENT);
}

/** 1234567 → "1,234,567". */
export function grouped(n: number): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Whole cents as dollars: 123457 → "$1,234.57". */
export function centsText(cents: number): string {
  return `$${grouped(Math.floor(cents / 100))}.${(cents % 100).toString().padStart(2, "0")}`;
}

/** Round a dollar amount to whole nano-dollars (for caps and other USD inputs). */
export function usdToNano(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`not a dollar amount: ${usd}`);
  return Math.round(usd * NANO_PER_USD);
}

export function nanoToUsd(nanoUsd: number): number {
  return nanoUsd / NANO_PER_USD;
}

/**
 * "$1,234.57" for amounts of a cent or more (2 decimals, half up); below a cent, two significant
 * digits so small requests stay visible: "$0.0042", "$0.00013". Zero is "$0.00".
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "$?";
  const sign = usd < 0 ? "-" : "";
  const nano = Math.round(Math.abs(usd) * NANO_PER_USD);
  if (nano === 0) return "$0.00";
  if (nano < 10_000_000) {
    const digits = Math.max(2, 1 - Math.floor(Math.log10(nano / NANO_PER_USD)));
    const text = (nano / NANO_PER_USD).toFixed(digits).replace(/0+$/, "");
    return `${sign}$${text.endsWith(".") ? `${text}00` : text}`;
  }
  return `${sign}${centsText(roundedCents(nano))}`;
}

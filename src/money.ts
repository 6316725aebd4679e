/**
 * Money, in one way everywhere (reports, the exit line, the status line, caps): amounts are integer
 * nano-dollars and are rounded half up to whole cents for people. No floating point touches the
 * rounding, so $0.045 is $0.05 wherever it is shown (one exception, the status line's cap: see
 * formatUsdNoZeroCents). Imports nothing: the status line loads this on every refresh.
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

/** Dollars to the cent for people: "$1,234.57", "<$0.01" for a non-zero amount under half a cent. */
export function formatCents(nanoUsd: number): string {
  const cents = roundedCents(nanoUsd);
  if (cents === 0 && nanoUsd > 0) return "<$0.01";
  return centsText(cents);
}

/** Exact decimal dollars from integer nano-dollars: 1234567891 → "1.234567891", 5e8 → "0.5". */
export function nanoToDecimalUsd(nanoUsd: number): string {
  const sign = nanoUsd < 0 ? "-" : "";
  const abs = Math.abs(nanoUsd);
  const whole = Math.floor(abs / NANO_PER_USD);
  const fraction = (abs % NANO_PER_USD).toString().padStart(9, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
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

/** `$1.24`; whole dollars from $1000 up, to stay short (the status line's spend). */
export function formatUsdShort(usd: number): string {
  if (!Number.isFinite(usd) || usd < 0) return "$?";
  if (usd >= 1000) return `$${Math.round(usd)}`;
  return centsText(roundedCents(usdToNano(usd)));
}

/** `$10`, `$12.50`: no cents on a whole amount (the status line's cap, as the user wrote it). */
export function formatUsdNoZeroCents(usd: number): string {
  if (!Number.isFinite(usd) || usd < 0) return "$?";
  // toFixed, as the status line has always shown caps: a cap with a fraction of a cent can read a
  // cent apart from formatUsd ($1.005 is "$1.00" here, "$1.01" there).
  return Number.isInteger(usd) ? `$${usd}` : `$${usd.toFixed(2)}`;
}

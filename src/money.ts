/**
 * Money, in one way everywhere (reports, the exit line, `status`, the status line, caps): amounts
 * are integer nano-dollars and, for people, are shown to the cent, rounded half up, and a non-zero
 * amount under half a cent is `<$0.01` (never `$0.00` for money spent). No floating point touches
 * the rounding, so $0.045 is $0.05 wherever it is shown. `--json` and `--csv` carry the exact
 * amounts instead. Imports nothing: the status line loads this on every refresh.
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

/** {@link formatCents} of a dollar amount: "$1,234.57", "<$0.01", "$0.00"; "$?" for no amount. */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "$?";
  return `${usd < 0 ? "-" : ""}${formatCents(usdToNano(Math.abs(usd)))}`;
}

/**
 * A cost of some requests, some of which may have no known price (SPEC §7: never silently $0):
 * "$1.23", "$1.23+?" when some are unknown, "?" when none is known (`usage`, the exit line).
 */
export function costText(knownNanoUsd: number | null, requests: number, unknownCostRequests: number): string {
  if (requests > 0 && unknownCostRequests >= requests) return "?";
  const known = formatCents(knownNanoUsd ?? 0);
  return unknownCostRequests > 0 ? `${known}+?` : known;
}

/** What the `?` of {@link costText} stands for: "? = cost unknown for 2 requests (model not in the price table)". */
export function unknownCostLegend(unknownCostRequests: number): string {
  const s = unknownCostRequests === 1 ? "" : "s";
  return `? = cost unknown for ${unknownCostRequests} request${s} (model not in the price table)`;
}

/** {@link formatUsd}, in whole dollars from $1000 up to stay short (the status line). */
export function formatUsdShort(usd: number): string {
  if (!Number.isFinite(usd) || usd < 0) return "$?";
  if (usd >= 1000) return `$${Math.round(usd)}`;
  return formatUsd(usd);
}

/**
 * {@link formatUsdShort} of an amount below `limitUsd`, never shown as reaching the limit's own
 * figure: rounded down instead when half up would ($9.996 of $10 is "$9.99", not "$10.00"), and
 * kept a cent (a dollar, from $1000) under the limit as shown. `usd` at or over the limit, or no
 * amount: {@link formatUsdShort}.
 */
export function formatUsdShortBelow(usd: number, limitUsd: number): string {
  const text = formatUsdShort(usd);
  if (!(Number.isFinite(usd) && Number.isFinite(limitUsd)) || usd < 0 || usd >= limitUsd) return text;
  if (usd >= 1000) {
    const limitDollars = Math.round(limitUsd);
    return Math.round(usd) < limitDollars
      ? text
      : `$${Math.max(0, Math.min(Math.floor(usd), limitDollars - 1))}`;
  }
  const nano = usdToNano(usd);
  const limitCents = limitUsd >= 1000 ? Math.round(limitUsd) * 100 : roundedCents(usdToNano(limitUsd));
  if (roundedCents(nano) < limitCents) return text;
  const cents = Math.max(0, Math.min(Math.floor(nano / NANO_PER_CENT), limitCents - 1));
  return cents === 0 && nano > 0 ? "<$0.01" : centsText(cents);
}

/** {@link formatUsdShort} without cents on a whole amount: `$10`, `$12.50` (the status line's cap). */
export function formatUsdNoZeroCents(usd: number): string {
  if (!Number.isFinite(usd) || usd < 0) return "$?";
  return Number.isInteger(usd) && usd < 1000 ? `$${usd}` : formatUsdShort(usd);
}

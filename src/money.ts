/**
 * Money for people, to the cent, in one way everywhere (reports, the exit line, the status line):
 * amounts are integer nano-dollars and are rounded half up to whole cents. No floating point
 * touches the rounding, so $0.045 is $0.05 wherever it is shown.
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

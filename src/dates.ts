/**
 * The range of instants a JavaScript Date can hold (±100,000,000 days around 1970). An instant
 * outside it can be neither shown nor stored as a date: readers of untrusted times check it.
 */
export const EARLIEST_DATE_MS = -8.64e15;
export const LATEST_DATE_MS = 8.64e15;

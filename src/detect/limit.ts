/** A subscription limit in force, as the wrapper acts on it (SPEC §5): which window, and when it resets. */
export interface LimitInfo {
  /** The subscription window that ran out (five_hour, seven_day, seven_day_opus, …), when known. */
  window: string | null;
  /** When the limit resets, epoch ms. */
  resetsAt: number;
  /** True when the reset time was not given and 5 hours was assumed. */
  resetAssumed: boolean;
  /** Which signal told us (SPEC §5), or "state" for one recorded by an earlier run. */
  source: string;
}

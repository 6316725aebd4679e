import type { CapConfig } from "../../src/usage/caps.js";

/** No spending cap at all: tests set the one they are about on top of it. */
export const NO_CAPS: CapConfig = {
  cost_limit_per_session: null,
  cost_limit_per_day: null,
  cost_limit_per_month: null,
  cost_limit_until_reset: null,
};

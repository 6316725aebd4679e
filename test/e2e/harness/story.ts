import type { Simulator } from "../../../src/simulator/index.js";
import type { PtySession } from "./pty.js";

/** The wrapper's limit prompt names itself with this. */
export const PROMPT_TITLE = "subscription limit reached";
/** On the screen once the prompt takes answers (it is drawn before, without its keys). */
export const PROMPT_READY = "[y] yes  [n] no  [a] yes for this run";

/**
 * One answered prompt on the subscription, then a prompt that hits the limit. The limit is set off
 * by hand, not after N requests, because some Claude Code versions send more than one request per
 * prompt (2.1.200 sends two).
 */
export async function reachLimit(session: PtySession, simulator: Simulator): Promise<void> {
  await session.submit("first question about pineapples");
  await session.waitFor("Simulated reply");
  await session.waitUntil(() => !session.text().includes("esc to interrupt"), "the first turn to end");
  simulator.triggerLimit();
  await session.submit("second question");
}

import { UsageError } from "../errors.js";
import type { BillingKind, ResponseScript } from "./types.js";

const SPEC = /^([a-z-]+)(?::(\d+))?(?:=(\d+)(?:,(\d+))?)?(?:@(subscription|api|bearer))?$/;

export const DEFAULT_SLOW_FIRST_BYTE_MS = 2000;
export const DEFAULT_SLOW_EVENT_MS = 100;

/** The syntax, for `--help` and error messages. */
export const FAULT_SPEC_SYNTAX =
  "KIND[:COUNT][=ARG[,ARG]][@BILLING], KIND one of overloaded, throttle, usage-limit, slow (=FIRST_BYTE_MS,EVENT_MS), " +
  "drop (=EVENTS), stream-error (=EVENTS), malformed, thinking-signature, credit-exhausted, spend-limit";

function scriptFor(
  kind: string,
  first: number | undefined,
  second: number | undefined,
): ResponseScript | undefined {
  switch (kind) {
    case "overloaded":
    case "throttle":
    case "usage-limit":
    case "malformed":
    case "thinking-signature":
    case "credit-exhausted":
    case "spend-limit":
      return first === undefined ? { fault: kind } : undefined;
    case "drop":
    case "stream-error":
      if (second !== undefined) return undefined;
      return first === undefined ? { fault: kind } : { fault: kind, dropAfterEvents: first };
    case "slow":
      return {
        firstByteDelayMs: first ?? DEFAULT_SLOW_FIRST_BYTE_MS,
        eventDelayMs: second ?? (first === undefined ? DEFAULT_SLOW_EVENT_MS : 0),
      };
    default:
      return undefined;
  }
}

/**
 * Parses a `--fault` value such as `overloaded:2`, `slow=3000,50`, `drop:1=5@api` into the scripts for the
 * next COUNT (default 1) message requests.
 */
export function parseFaultSpec(spec: string): ResponseScript[] {
  const match = SPEC.exec(spec.trim());
  const [, kind = "", count, first, second, billing] = match ?? [];
  const number = (digits: string | undefined) => (digits === undefined ? undefined : Number(digits));
  const script = match ? scriptFor(kind, number(first), number(second)) : undefined;
  const times = count === undefined ? 1 : Number(count);
  if (!script || times < 1) {
    throw new UsageError(`--fault ${JSON.stringify(spec)} is not valid: expected ${FAULT_SPEC_SYNTAX}`);
  }
  const scoped = billing ? { ...script, billing: billing as BillingKind } : script;
  return Array.from({ length: times }, () => ({ ...scoped }));
}

/**
 * The printed result of a headless run (`claude -p`) that ended in an error, in any of its
 * output formats. PURE.
 *
 * - text: the limit notice is the output, one line (`You've hit your 5-hour limit · resets …`);
 * - json: one result object with `is_error: true`, `api_error: "usage_limit_reached"` and the
 *   notice as `result`;
 * - stream-json: a `rate_limit_event` with `status: "rejected"` and a final result like json's.
 * Only these shapes count: an answer of Claude's that merely quotes a limit is never a limit.
 */
import { classifyText, strongest } from "./classify.js";
import { type DetectContext, type LimitSignal, signalFromClassification } from "./signals.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fromResultObject(result: Record<string, unknown>, ctx: DetectContext): LimitSignal | null {
  if (result.type !== "result" || result.is_error !== true) return null;
  const text = typeof result.result === "string" ? result.result : "";
  const found = strongest(classifyText(text));
  if (found?.kind === "limit") return signalFromClassification(found, "transcript", ctx);
  return null;
}

export function fromPrintResult(output: string, ctx: DetectContext): LimitSignal | null {
  const trimmed = output.trim();
  if (trimmed === "") return null;
  const objects: Record<string, unknown>[] = [];
  for (const line of trimmed.split("\n")) {
    try {
      const value: unknown = JSON.parse(line);
      if (isObject(value)) objects.push(value);
    } catch {
      // Not JSON: text output.
    }
  }
  if (objects.length === 0) {
    const found = strongest(classifyText(trimmed));
    return found?.kind === "limit" ? signalFromClassification(found, "transcript", ctx) : null;
  }
  const result = objects.findLast((object) => object.type === "result");
  return result ? fromResultObject(result, ctx) : null;
}

import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { parseFaultSpec } from "./fault-spec.js";

describe("parseFaultSpec", () => {
  it.each([
    { spec: "overloaded", scripts: [{ fault: "overloaded" }] },
    { spec: "overloaded:2", scripts: [{ fault: "overloaded" }, { fault: "overloaded" }] },
    { spec: "throttle@subscription", scripts: [{ fault: "throttle", billing: "subscription" }] },
    { spec: "thinking-signature:1@api", scripts: [{ fault: "thinking-signature", billing: "api" }] },
    { spec: "malformed", scripts: [{ fault: "malformed" }] },
    { spec: "usage-limit@api", scripts: [{ fault: "usage-limit", billing: "api" }] },
    { spec: "drop", scripts: [{ fault: "drop" }] },
    { spec: "drop=7", scripts: [{ fault: "drop", dropAfterEvents: 7 }] },
    { spec: "stream-error=4", scripts: [{ fault: "stream-error", dropAfterEvents: 4 }] },
    { spec: "slow", scripts: [{ firstByteDelayMs: 2000, eventDelayMs: 100 }] },
    { spec: "slow=500", scripts: [{ firstByteDelayMs: 500, eventDelayMs: 0 }] },
    {
      spec: "slow:2=500,20@bearer",
      scripts: Array(2).fill({ firstByteDelayMs: 500, eventDelayMs: 20, billing: "bearer" }),
    },
  ])("reads $spec", ({ spec, scripts }) => {
    expect(parseFaultSpec(spec)).toEqual(scripts);
  });

  it.each([
    "",
    "melted",
    "overloaded:0",
    "overloaded:x",
    "overloaded=3",
    "drop=1,2",
    "stream-error=1,2",
    "slow@nobody",
    "overloaded:2:3",
  ])("rejects %j with a usage error naming it", (spec) => {
    expect(() => parseFaultSpec(spec)).toThrow(UsageError);
    expect(() => parseFaultSpec(spec)).toThrow(`--fault ${JSON.stringify(spec)} is not valid`);
  });
});

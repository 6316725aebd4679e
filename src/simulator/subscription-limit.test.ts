import { beforeEach, describe, expect, it } from "vitest";
import { type LimitSettings, SubscriptionLimit } from "./subscription-limit.js";

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const SONNET = "claude-sonnet-4-6";
const OPUS = "claude-opus-4-7";

let clock: number;
let settings: LimitSettings;
let limit: SubscriptionLimit;

beforeEach(() => {
  clock = START;
  settings = {
    limitAfterRequests: null,
    limitAfterTokens: null,
    limitClaim: "five_hour",
    resetInSeconds: 3600,
    resetAt: null,
    warnAtUtilization: 0.8,
  };
  limit = new SubscriptionLimit(
    () => clock,
    () => settings,
  );
});

/** One answered request, as the server does it: admit, count, read headers. */
function answer(model = SONNET, tokens = 10): Record<string, string> | "rejected" {
  if (limit.rejects(model)) return "rejected";
  limit.record(model, tokens);
  return limit.headers(model, false);
}

const unified = (headers: Record<string, string>, name: string) =>
  headers[`anthropic-ratelimit-unified-${name}`];

describe("SubscriptionLimit", () => {
  it("allows everything when no limit is set, at zero utilisation", () => {
    for (let i = 0; i < 50; i++) expect(answer()).not.toBe("rejected");
    const headers = limit.headers(SONNET, false);
    expect(unified(headers, "status")).toBe("allowed");
    expect(unified(headers, "5h-utilization")).toBe("0");
  });

  it("rejects the request after limitAfterRequests, with utilisation rising to 1", () => {
    settings.limitAfterRequests = 4;
    const utilisations = [1, 2, 3, 4].map(() => {
      const headers = answer();
      if (headers === "rejected") throw new Error("rejected too early");
      return unified(headers, "5h-utilization");
    });
    expect(utilisations).toEqual(["0.25", "0.5", "0.75", "1"]);
    expect(answer()).toBe("rejected");
    expect(answer()).toBe("rejected");
  });

  it("rejects once cumulative tokens reach limitAfterTokens; the crossing request still passes", () => {
    settings.limitAfterTokens = 100;
    expect(answer(SONNET, 60)).not.toBe("rejected");
    expect(answer(SONNET, 60)).not.toBe("rejected");
    expect(limit.snapshot().tokensUsed).toBe(120);
    expect(answer(SONNET, 1)).toBe("rejected");
  });

  it.each([
    { used: 3, status: "allowed" },
    { used: 4, status: "allowed_warning" },
    { used: 5, status: "allowed_warning" },
  ])("says $status at $used of 5 requests with the warning at 0.8", ({ used, status }) => {
    settings.limitAfterRequests = 5;
    let headers: ReturnType<typeof answer> = {};
    for (let i = 0; i < used; i++) headers = answer();
    if (headers === "rejected") throw new Error("unexpected rejection");
    expect(unified(headers, "status")).toBe(status);
    expect(unified(headers, "5h-status")).toBe(status);
    expect(unified(headers, "5h-surpassed-threshold")).toBe(status === "allowed" ? undefined : "0.8");
  });

  it("follows a lowered warning threshold", () => {
    settings.limitAfterRequests = 10;
    settings.warnAtUtilization = 0.2;
    answer();
    const headers = answer();
    expect(headers !== "rejected" && unified(headers, "status")).toBe("allowed_warning");
  });

  it("sends the rejected headers with the claim and a reset resetInSeconds after the hit", () => {
    settings.limitAfterRequests = 1;
    answer();
    clock += 90_000;
    expect(limit.rejects(SONNET)).toBe(true);
    const headers = limit.headers(SONNET, true);
    const reset = String((clock + 3_600_000) / 1000);
    expect(headers).toMatchObject({
      "anthropic-ratelimit-unified-status": "rejected",
      "anthropic-ratelimit-unified-representative-claim": "five_hour",
      "anthropic-ratelimit-unified-reset": reset,
      "anthropic-ratelimit-unified-5h-status": "rejected",
      "anthropic-ratelimit-unified-5h-reset": reset,
      "anthropic-ratelimit-unified-5h-utilization": "1",
      "anthropic-ratelimit-unified-7d-status": "allowed",
      "anthropic-ratelimit-unified-7d-utilization": "0.25",
      "anthropic-ratelimit-unified-fallback-percentage": "0.5",
      "anthropic-ratelimit-unified-overage-status": "rejected",
    });
  });

  it("puts a seven_day limit on the 7d window", () => {
    settings.limitClaim = "seven_day";
    limit.trigger();
    const headers = limit.headers(SONNET, true);
    expect(unified(headers, "representative-claim")).toBe("seven_day");
    expect(unified(headers, "7d-status")).toBe("rejected");
    expect(unified(headers, "7d-utilization")).toBe("1");
    expect(unified(headers, "5h-status")).toBe("allowed");
  });

  it("counts and rejects only Opus requests under seven_day_opus", () => {
    settings.limitClaim = "seven_day_opus";
    settings.limitAfterRequests = 2;
    for (let i = 0; i < 5; i++) expect(answer(SONNET)).not.toBe("rejected");
    expect(answer(OPUS)).not.toBe("rejected");
    expect(answer(OPUS)).not.toBe("rejected");
    expect(answer(OPUS)).toBe("rejected");
    expect(answer(SONNET)).not.toBe("rejected");
    expect(unified(limit.headers(OPUS, true), "representative-claim")).toBe("seven_day_opus");
    const sonnetHeaders = limit.headers(SONNET, false);
    expect(unified(sonnetHeaders, "status")).toBe("allowed");
    expect(unified(sonnetHeaders, "representative-claim")).toBe("five_hour");
  });

  it("counts and rejects only Sonnet requests under seven_day_sonnet", () => {
    settings.limitClaim = "seven_day_sonnet";
    limit.trigger();
    expect(limit.rejects(OPUS)).toBe(false);
    expect(limit.rejects(SONNET)).toBe(true);
  });

  it("starts a fresh window once the injected clock passes the reset", () => {
    settings.limitAfterRequests = 1;
    answer();
    expect(answer()).toBe("rejected");
    clock += 3_599_000;
    expect(answer()).toBe("rejected");
    clock += 1000;
    const headers = answer();
    expect(headers).not.toBe("rejected");
    expect(limit.snapshot()).toMatchObject({ requestsUsed: 1, utilization: 1 });
    expect(answer()).toBe("rejected");
  });

  it("resets at an explicit resetAt, then uses resetInSeconds for later windows", () => {
    settings.limitAfterRequests = 1;
    settings.resetAt = (START + 600_000) / 1000;
    answer();
    expect(answer()).toBe("rejected");
    expect(unified(limit.headers(SONNET, true), "reset")).toBe(String(settings.resetAt));
    clock = START + 600_000;
    expect(answer()).not.toBe("rejected");
    expect(answer()).toBe("rejected");
    expect(limit.snapshot().resetsAt).toBe((clock + 3_600_000) / 1000);
  });

  it("lift() ends a limit at once and trigger() starts one regardless of use", () => {
    limit.trigger("seven_day");
    expect(limit.snapshot()).toMatchObject({ status: "rejected", claim: "seven_day" });
    expect(limit.rejects(SONNET)).toBe(true);
    limit.lift();
    expect(limit.rejects(SONNET)).toBe(false);
    expect(limit.snapshot()).toMatchObject({ status: "allowed", claim: "five_hour", requestsUsed: 0 });
  });

  it("a triggered limit also resets by the clock", () => {
    limit.trigger();
    clock += 3_600_000;
    expect(limit.rejects(SONNET)).toBe(false);
  });

  it("limitAfterRequests 0 rejects the first request", () => {
    settings.limitAfterRequests = 0;
    expect(answer()).toBe("rejected");
  });
});

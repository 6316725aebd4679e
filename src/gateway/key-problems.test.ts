import { describe, expect, test } from "vitest";
import { type KeyProblem, keyProblemMessage, keyProblemOf } from "./key-problems.js";

const error = (type: string, message: string) => ({ type: "error", error: { type, message } });

describe("which upstream errors are about the key", () => {
  test.each<[number, unknown, Partial<KeyProblem> | null]>([
    [
      400,
      error(
        "invalid_request_error",
        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
      ),
      { kind: "credit_exhausted" },
    ],
    [
      402,
      error("billing_error", "There is an issue with your account's billing."),
      { kind: "credit_exhausted" },
    ],
    [
      400,
      error(
        "invalid_request_error",
        "You have reached your specified workspace API usage limits. You will regain access on 2025-06-01 at 00:00 UTC.",
      ),
      { kind: "spend_limit", regainsAccess: "2025-06-01 at 00:00 UTC" },
    ],
    [
      400,
      error(
        "invalid_request_error",
        "You have reached your specified API usage limits. You will regain access on 2026-01-01 at 00:00 UTC.",
      ),
      { kind: "spend_limit", regainsAccess: "2026-01-01 at 00:00 UTC" },
    ],
    [401, error("authentication_error", "invalid x-api-key"), { kind: "invalid_key" }],
    [401, null, { kind: "invalid_key" }],
    [
      403,
      error("permission_error", "Your API key does not have permission to use the specified resource."),
      { kind: "no_permission" },
    ],
    [
      404,
      error("not_found_error", "model: claude-opus-9"),
      { kind: "no_model_access", model: "claude-opus-9" },
    ],
    [404, error("not_found_error", "Not found"), null],
    [
      400,
      error("invalid_request_error", "messages.1.content.0: Invalid `signature` in `thinking` block"),
      null,
    ],
    [400, error("invalid_request_error", "max_tokens: must be at most 64000"), null],
    [529, error("overloaded_error", "Overloaded"), null],
    [400, "not json", null],
  ])("%i %j → %j", (status, body, expected) => {
    const problem = keyProblemOf(status, body, "claude-sonnet-4-5");
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatchObject(expected);
  });

  test("every kind says the masked key, what is wrong, where to fix it, and the way back to the subscription", () => {
    const kinds: KeyProblem[] = [
      { kind: "credit_exhausted", apiMessage: "" },
      { kind: "spend_limit", apiMessage: "", regainsAccess: "2026-01-01 at 00:00 UTC" },
      { kind: "invalid_key", apiMessage: "" },
      { kind: "no_permission", apiMessage: "denied" },
      { kind: "no_model_access", apiMessage: "", model: "claude-opus-9" },
    ];
    const lines = kinds.map((problem) =>
      keyProblemMessage(problem, "sk-ant-…WXYZ", "https://api.anthropic.com"),
    );
    for (const line of lines) {
      expect(line).toMatch(/^claude-fallback gateway: /);
      expect(line).toContain("sk-ant-…WXYZ");
      expect(line).toContain("claude-fallback use subscription");
      expect(line).not.toContain("\n");
    }
    expect(new Set(lines).size).toBe(kinds.length);
  });
});

import { describe, expect, test } from "vitest";
import { ConfigSchema } from "../config/schema.js";
import { noticeText, withoutOurName } from "./presentation.js";

const config = ConfigSchema.parse({});

describe("notices", () => {
  test("a gateway message written for Claude's screen is said once under our name, not twice", () => {
    const refusal =
      "claude-fallback: the daily API spending cap of $0.03 is reached ($0.03 spent today); nothing was sent to Anthropic.";
    expect(
      noticeText({ kind: "notice", notice: { kind: "cap_reached", text: refusal }, config, now: 0 }),
    ).toEqual([
      "the daily API spending cap of $0.03 is reached ($0.03 spent today); nothing was sent to Anthropic.",
    ]);
    expect(
      noticeText({
        kind: "notice",
        notice: {
          kind: "error",
          message: "claude-fallback gateway: the API at https://x did not answer (timeout)",
        },
        config,
        now: 0,
      }),
    ).toEqual(["the API at https://x did not answer (timeout)"]);
    expect(withoutOurName("could not write the usage ledger /d/usage.db: the disk is full")).toBe(
      "could not write the usage ledger /d/usage.db: the disk is full",
    );
  });
});

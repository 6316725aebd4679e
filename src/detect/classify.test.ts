import { describe, expect, test } from "vitest";
import { classifyLine, classifyText, normalizeLine, strongest } from "./classify.js";
import { MESSAGE_TABLE, type MessageEntry } from "./messages.js";

const LIMIT = "You've hit your 5-hour limit · resets 3pm (UTC)";

describe("normalizeLine", () => {
  test.each([
    ["  ⎿  You've hit", "You've hit"],
    ["  ⎿ \u00a0You've hit", "You've hit"],
    ["● Usage limit reached", "Usage limit reached"],
    ["⏺ Usage limit reached", "Usage limit reached"],
    ["  ⚠ Usage limit reached", "Usage limit reached"],
    ["⚠\ufe0f Usage limit reached", "Usage limit reached"],
    ["│ You've hit your limit │", "You've hit your limit"],
    ["▎ Notice", "Notice"],
    ["✻ Baked", "Baked"],
    ["a\u202fb\tc   d", "a b c d"],
    ["text\r", "text"],
    // Not decorations: prose markers stay, so the line cannot match.
    ["> quoted", "> quoted"],
    ["- item", "- item"],
    ["* item", "* item"],
    ["`code`", "`code`"],
  ])("%j → %j", (raw, normalized) => {
    expect(normalizeLine(raw)).toBe(normalized);
  });
});

/** Claude's prose around, before or after a notice: never a match. */
const HOSTILE: string[] = [
  `The error said "${LIMIT}" so I waited.`,
  `> ${LIMIT}`,
  `❯ ${LIMIT}`,
  `\`${LIMIT}\``,
  `- ${LIMIT}`,
  `* ${LIMIT}`,
  `+ ${LIMIT}`,
  `**${LIMIT}**`,
  `_${LIMIT}_`,
  `# ${LIMIT}`,
  `1. ${LIMIT}`,
  `"${LIMIT}"`,
  `'${LIMIT}'`,
  `| ${LIMIT} |`,
  `<error>${LIMIT}</error>`,
  `console.log("${LIMIT}");`,
  `// ${LIMIT}`,
  `echo 'Claude AI usage limit reached|1749924000'`,
  "Claude AI usage limit reached|1749924000 appears in old logs",
  `I think ${LIMIT}`,
  "you've hit your 5-hour limit · resets 3pm (UTC)",
  "You've hit your 5-hour limit · resets 3pm, so I'll wait.",
  "You've hit your 5-hour limit · resets tomorrow, probably",
  "You've hit your 5-hour limit. Let me explain what that means.",
  "You've hit your 5-hour limit, which resets at 3pm.",
  'If you see "Limit reached · resets 11:30am", wait.',
  "Limit reached",
  "5-hour limit reached in my calculation",
  "Approaching usage limit of the API, let me slow down",
  "You've used 85% of your session limit, so be careful",
  '⎿ I saw "You\'ve hit your 5-hour limit" earlier',
  "● The message was: You've hit your 5-hour limit · resets 3pm (UTC)",
  "Server is temporarily limiting requests, not your usage limit",
  `${LIMIT} ${"x".repeat(600)}`,
];

/** Claude Code lines that look like limit talk but are not the subscription limit. */
const NOT_A_LIMIT: string[] = [
  "Context limit reached · /compact or /clear to continue",
  "Budget limit reached ($1.00 spent of the $1 maximum). New agents cannot be started.",
  "Subagent nesting limit reached (depth 3 of 3).",
  "You've hit your fast limit · resets in 5m",
  "Fast limit reached, fast mode paused",
  "Claude Opus 4 limit reached, now using Sonnet 4",
  "You're out of usage credits · /usage-credits to buy more",
  "You've hit your monthly spend limit · /usage-credits to raise it",
  "You've hit your monthly spend limit.",
  "Usage limit reached · set to continue automatically shortly",
  "Your usage limit has reset",
  "2. Wait here, then continue automatically at Nov 29, 12:45am",
  "1. Stop and wait for limit to reset",
  "Current session: 63% used · resets 3pm",
  "Goal paused · usage limit reached · send a message after it resets to continue",
  "✻ Baked for 0s · done 4:07 AM",
  "Fable limit reached · continuing on Opus uses usage credits",
  "Now using usage credits · Your 5-hour limit resets 3pm (UTC)",
];

describe("classifyLine", () => {
  test("a notice alone on its line matches", () => {
    expect(classifyLine(LIMIT)).toMatchObject({ kind: "limit", window: "five_hour", resetText: "3pm (UTC)" });
    expect(classifyLine(`  ⎿  ${LIMIT}   `)?.line).toBe(LIMIT);
  });

  test("curly apostrophes as well as straight ones", () => {
    expect(classifyLine("You’ve hit your weekly limit · resets Nov 27, 2:28am (UTC)")?.window).toBe(
      "seven_day",
    );
    expect(classifyLine("You’re out of extra usage")?.window).toBe("extra_usage");
  });

  test("a 12-hour time with a space or in capitals, and a 24-hour time", () => {
    expect(classifyLine("You've hit your 5-hour limit · resets 3 PM (UTC)")?.resetText).toBe("3 PM (UTC)");
    expect(classifyLine("You've hit your 5-hour limit · resets 15:00 (UTC)")?.resetText).toBe("15:00 (UTC)");
  });

  test.each(HOSTILE)("hostile look-alike: %s", (line) => {
    expect(classifyLine(line)).toBeNull();
  });

  test("there are at least 15 hostile cases", () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(15);
  });

  test.each(NOT_A_LIMIT)("not a limit: %s", (line) => {
    expect(classifyLine(line)?.kind ?? null).not.toBe("limit");
  });

  test("empty and blank lines", () => {
    expect(classifyLine("")).toBeNull();
    expect(classifyLine("   ⎿   ")).toBeNull();
  });

  test("the table can be swapped (for tests of new forms)", () => {
    expect(classifyLine(LIMIT, [])).toBeNull();
  });
});

describe("classifyText", () => {
  test("every whole line, in order", () => {
    const found = classifyText(`${LIMIT}\n/upgrade to increase your usage limit.`);
    expect(found.map((hit) => hit.entryId)).toEqual(["hit-your-limit"]);
    expect(
      classifyText(
        "You've used 92% of your 5-hour limit · resets 3:50am (UTC)\r\nServer is temporarily limiting requests (not your usage limit)",
      ).map((hit) => hit.kind),
    ).toEqual(["warning", "throttle"]);
  });

  test("prose that quotes a notice inside a line does not count", () => {
    expect(classifyText(HOSTILE.join("\n"))).toEqual([]);
  });

  test("lines inside fenced code blocks do not count", () => {
    const text = [
      "Here is the message:",
      "```",
      LIMIT,
      "```",
      "~~~text",
      LIMIT,
      "~~~",
      "And that is all.",
    ].join("\n");
    expect(classifyText(text)).toEqual([]);
  });

  test("a fence closes only with its own marker; after it, lines count again", () => {
    const text = ["```", "~~~", LIMIT, "```", LIMIT].join("\n");
    expect(classifyText(text)).toHaveLength(1);
  });

  test("an unclosed fence hides the rest", () => {
    expect(classifyText(["```sh", LIMIT].join("\n"))).toEqual([]);
  });

  test("strongest: limit, then throttle, then warning", () => {
    const warning = classifyLine("Approaching usage limit · resets at 2pm")!;
    const throttle = classifyLine("Server is temporarily limiting requests (not your usage limit)")!;
    const limit = classifyLine(LIMIT)!;
    expect(strongest([warning, throttle, limit])).toBe(limit);
    expect(strongest([warning, throttle])).toBe(throttle);
    expect(strongest([warning])).toBe(warning);
    expect(strongest([])).toBeNull();
  });
});

describe("which patterns a line runs", () => {
  /** The shipped table with each pattern recording that it ran. */
  function recordingTable(ran: string[]): MessageEntry[] {
    return MESSAGE_TABLE.map((entry) => {
      const pattern = new RegExp(entry.pattern.source, entry.pattern.flags);
      pattern.exec = (text: string) => {
        ran.push(entry.id);
        return RegExp.prototype.exec.call(pattern, text);
      };
      return { ...entry, pattern };
    });
  }

  test("a line with the notice words but none of the entries' fixed texts runs no pattern", () => {
    const ran: string[] = [];
    const table = recordingTable(ran);
    for (const line of [
      "Tips for getting started: press Escape to cancel while loading",
      "? for shortcuts · /usage shows your limits and when they reset",
      "Approaching",
    ]) {
      expect(classifyLine(line, table)).toBeNull();
    }
    expect(ran).toEqual([]);
  });

  test("a notice runs only the entries whose fixed text it holds", () => {
    const ran: string[] = [];
    expect(classifyLine(LIMIT, recordingTable(ran))).toMatchObject({ entryId: "hit-your-limit" });
    expect(ran).toEqual(["hit-your-limit"]);
  });
});

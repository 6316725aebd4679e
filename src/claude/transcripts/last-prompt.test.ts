import { expect, test } from "vitest";
import { lastPromptText, promptText } from "./last-prompt.js";

test.each([
  ["hello", "hello"],
  [[{ type: "text", text: "a" }], "a"],
  [
    [
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ],
    "a\nb",
  ],
  [[{ type: "tool_result", tool_use_id: "t", content: "ok" }], null],
  [[{ type: "text", text: "a" }, { type: "image" }], null],
  [[], null],
  [undefined, null],
  [42, null],
])("promptText(%j) is %j", (content, text) => {
  expect(promptText(content)).toBe(text);
});

test("the last prompt: tool results, meta records, other records and broken lines are passed over", () => {
  const line = (record: unknown) => JSON.stringify(record);
  const lines = [
    line({ type: "user", message: { role: "user", content: "first" } }),
    line({ type: "user", message: { role: "user", content: [{ type: "text", text: "turn two" }] } }),
    line({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t", content: "x" }] } }),
    line({ type: "user", isMeta: true, message: { content: "<command-name>/model</command-name>" } }),
    line({
      type: "assistant",
      isApiErrorMessage: true,
      message: { model: "<synthetic>", content: [{ type: "text", text: "You've hit your limit" }] },
    }),
    '{"type":"user","mess',
  ];
  expect(lastPromptText(lines)).toBe("turn two");
  // Answered: the conversation does not end with it (the same words again are a new prompt).
  const answered = line({ type: "assistant", message: { model: "claude-sonnet-4-5", content: [] } });
  expect(lastPromptText([...lines, answered])).toBeNull();
  // The limit's notice is Claude Code's own, with isApiErrorMessage or the <synthetic> model: no answer.
  const notice = { type: "assistant", message: { model: "<synthetic>", content: [] } };
  expect(lastPromptText([...lines, line(notice)])).toBe("turn two");
  expect(lastPromptText([...lines, line({ ...notice, message: {}, isApiErrorMessage: true })])).toBe(
    "turn two",
  );
  expect(lastPromptText(lines.slice(0, 1))).toBe("first");
  expect(lastPromptText([])).toBeNull();
});

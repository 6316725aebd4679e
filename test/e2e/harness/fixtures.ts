import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { testedClaudeVersion } from "./claude.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = join(root, "test/e2e/fixtures");

/** Set to record the tested version's forms instead of checking them against the pin's. */
export const RECORD_ENV = "CLAUDE_FALLBACK_RECORD_FIXTURES";

/** The forms of one Claude Code version, as recorded from real runs against the simulator. */
export interface ClaudeFixture {
  version: string;
  recordedAt: string;
  /** What is compared: the limit text with its time replaced, payload and rate_limits as types. */
  forms: Record<string, unknown>;
  /** One real value each form was taken from, for the detection unit tests and for people. */
  samples: Record<string, unknown>;
}

/** The version package.json pins as the dev dependency (the fixtures' reference). */
export function pinnedClaudeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  return pkg.devDependencies["@anthropic-ai/claude-code"]!;
}

export function fixturePath(version: string): string {
  return join(FIXTURES, `claude-code-${version}.json`);
}

export function readFixture(version: string): ClaudeFixture {
  return JSON.parse(readFileSync(fixturePath(version), "utf8")) as ClaudeFixture;
}

/** A JSON value with every leaf replaced by its type: what a parser of it relies on. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  }
  return value === null ? "null" : typeof value;
}

/** A limit text with its clock time and date made placeholders: `… · resets <time> (UTC)`. */
export function limitTextForm(text: string): string {
  return text
    .replace(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}(, \d{4})?/g, "<date>")
    .replace(/\b\d{1,2}(:\d\d)?[ap]m\b/g, "<time>");
}

/**
 * Holds `form` to the pinned version's fixture; with {@link RECORD_ENV} set, writes it (and the
 * sample it came from) into the tested version's fixture instead.
 */
export function checkForm(kind: string, form: unknown, sample: unknown): void {
  const version = testedClaudeVersion();
  if (process.env[RECORD_ENV]) {
    const path = fixturePath(version);
    const fixture: ClaudeFixture = existsSync(path)
      ? readFixture(version)
      : { version, recordedAt: "", forms: {}, samples: {} };
    fixture.recordedAt = new Date().toISOString();
    fixture.forms[kind] = form;
    // Temp paths differ per run; the sandbox's place says nothing about Claude Code.
    fixture.samples[kind] = JSON.parse(
      JSON.stringify(sample).replace(/\/[^"]*?\/cf-e2e-\w+|-tmp-cf-e2e-\w+(?=-project)/g, "<sandbox>"),
    );
    mkdirSync(FIXTURES, { recursive: true });
    writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
    return;
  }
  const pin = pinnedClaudeVersion();
  expect(form, `${kind} of Claude Code ${version}, against the pin's (${pin}) fixture`).toEqual(
    readFixture(pin).forms[kind],
  );
}

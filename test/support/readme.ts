import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const README = join(dirname(fileURLToPath(import.meta.url)), "../../README.md");

/** What a `### ` subsection of the README's "## JSON output" documents. */
export interface JsonDocs {
  /** Its ```json examples, parsed. */
  examples: unknown[];
  /** The field names its table documents: every backticked word of the first column, last path segment (`limit.window` → `window`). */
  fields: Set<string>;
}

/** The subsection of "## JSON output" whose heading is `heading` (e.g. "### `status --json`"). */
export function readmeJsonDocs(heading: string): JsonDocs {
  const readme = readFileSync(README, "utf8");
  const chapter = readme.slice(readme.indexOf("\n## JSON output\n"));
  const start = chapter.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README.md has no "${heading}" under "## JSON output"`);
  const rest = chapter.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n#{2,3} |$/));
  const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!));
  const fields = new Set<string>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| ") || line.startsWith("| field |")) continue;
    const firstCell = line.slice(2).split(" | ")[0]!;
    for (const [, name] of firstCell.matchAll(/`([^`]+)`/g)) {
      fields.add(name!.split(".").at(-1)!.replace(/\[\]$/, ""));
    }
  }
  return { examples, fields };
}

/** Every field path of a JSON value: `a`, `a.b`, `list[]`, `list[].c` (array elements merged). */
export function fieldPaths(value: unknown, prefix = ""): Set<string> {
  const paths = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const path of fieldPaths(item, `${prefix}[]`)) paths.add(path);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      paths.add(path);
      for (const nested of fieldPaths(child, path)) paths.add(nested);
    }
  }
  return paths;
}

/** The names of every field at any depth (`limit.window` gives `limit` and `window`). */
export function fieldNames(value: unknown): Set<string> {
  return new Set(
    [...fieldPaths(value)].map((path) =>
      path
        .split(/\.|\[\]\./)
        .at(-1)!
        .replace(/\[\]$/, ""),
    ),
  );
}

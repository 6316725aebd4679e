import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { writeFileAtomic, writeFileAtomicSync } from "./atomic-file.js";

let dir: string;
let umask: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-atomic-"));
  // A umask that takes more than the usual: the files must still get exactly the mode asked for.
  umask = process.umask(0o377);
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ["writeFileAtomic", writeFileAtomic],
  ["writeFileAtomicSync", writeFileAtomicSync],
] as const)("%s", (_name, write) => {
  test.each([0o600, 0o700])(
    "gives the file mode %o whatever the umask, and leaves nothing beside it",
    async (mode) => {
      const file = join(dir, "f");
      await write(file, "one", mode);
      await write(file, "two", mode);
      expect(readFileSync(file, "utf8")).toBe("two");
      expect(statSync(file).mode & 0o777).toBe(mode);
      expect(readdirSync(dir)).toEqual(["f"]);
    },
  );
});

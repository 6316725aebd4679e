import { describe, expect, test } from "vitest";
import { FallbackError } from "../errors.js";
import { BestEffortWrites } from "./best-effort.js";

describe("BestEffortWrites", () => {
  test("a failing write is never thrown; only the first failure of the run is reported, in one line", () => {
    const reported: string[] = [];
    const writes = new BestEffortWrites((message) => reported.push(message));
    const full = () => {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    };
    let ran = 0;
    writes.run("its state", () => ran++);
    writes.run("its state", full);
    writes.run("its state", full);
    writes.run("an event in the usage ledger", () => {
      throw new FallbackError("could not write the usage ledger /d/usage.db: the disk is full");
    });
    writes.run("its state", () => ran++);
    expect(ran).toBe(2);
    expect(reported).toEqual([
      "could not save its state (ENOSPC: no space left on device, write); the session goes on",
    ]);
  });
});

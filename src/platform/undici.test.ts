import { createRequire } from "node:module";
import { expect, test } from "vitest";
import { loadUndici, loadUndiciPool, POOL_MODULE } from "./undici.js";

test("the pool the gateway loads alone is undici's own Pool, as its entry point exports it", () => {
  // Holds the path into undici for the installed version; where it moves, the pool comes from the entry point.
  expect(createRequire(import.meta.url).resolve(POOL_MODULE)).toMatch(/undici\/lib\/dispatcher\/pool\.js$/);
  const Pool = loadUndiciPool();
  expect(Pool).toBe(loadUndici().Pool);
  const pool = new Pool("http://127.0.0.1:9");
  expect(typeof pool.dispatch).toBe("function");
  return pool.close();
});

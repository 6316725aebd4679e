import { readFileSync } from "node:fs";

function readVersion(): string {
  // dist/cli/version.js and src/cli/version.ts both sit two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export const VERSION = readVersion();

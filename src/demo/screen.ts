/** Removes terminal control sequences (CSI, OSC, DCS, two-byte escapes) and other C0 controls but newlines. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "")
    .replace(/\x1b[P^_][^\x1b]*\x1b\\/g, "")
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b[()*+][0-9A-Za-z]/g, "")
    .replace(/\x1b[@-_=>78]/g, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[\x00-\x09\x0b-\x1f\x7f]/g, "");
}

/** The last `count` non-blank lines of what a program wrote, controls removed: for a failure report. */
export function lastLines(raw: string, count: number): string[] {
  return stripAnsi(raw)
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .slice(-count);
}

/** Drops alternate-screen switches (`CSI ? 1049/1047/47 h|l`) from a chunk of the wrapper's output. */
export function withoutScreenSwitches(data: string): string {
  return data.replace(/\x1b\[\?(?:1049|1047|47)[hl]/g, "");
}

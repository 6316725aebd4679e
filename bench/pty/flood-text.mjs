// The text bench/pty floods a terminal with: a line of Claude Code's tool output, as it draws it
// (SGR colours, UTF-8, a newline), shared by the stand-in child and the in-process bench/pty/scan.
export const FLOOD_LINE =
  "\x1b[38;5;75m●\x1b[39m Reading src/session/interactive.ts — 636 lines \x1b[2m(ctrl+o to expand)\x1b[22m\n";

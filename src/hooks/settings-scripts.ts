/**
 * The two POSIX `sh` scripts we inject into Claude Code (PURE: text only). Claude Code runs hook
 * and status-line commands with `/bin/sh -c` in the project directory, many times a minute, so
 * these start one process of their own (`mv`, for an atomic rename) and otherwise use shell
 * builtins only: the input is read with `read`, written with `printf`, files are read with `read`.
 * No `node` start (~120 ms) on these paths. Every path and the user's command are embedded as
 * single-quoted literals, so nothing in them is ever expanded by the shell.
 *
 * The SessionStart script's files are 0600 whatever the umask (`umask 077`: it runs nothing of the
 * user's). The status line's files follow the umask Claude Code gives it — the user's command must
 * keep that umask, and a subshell to narrow it for our writes alone would cost a process per
 * status line — and are kept from other users by the 0700 run directory they are in.
 *
 * Temporary files are `tmp/<kind>.<pid>`; a script removes none (`rm` would be one more process
 * per run): the spool watcher deletes those whose process has exited (`sweepTempFiles`).
 */

import { shellQuote } from "../shell.js";

/** The variable the status-line script sets for the user's command: `claude-fallback statusline` stays quiet under it. */
export const WRAPPED_STATUSLINE_ENV = "CLAUDE_FALLBACK_STATUSLINE";

/** `tmp/<kind>.<pid>`: the temporary files of the scripts, named after the script's process. */
export const TEMP_FILE = /^(?:in|out|ss)\.(\d+)$/;

/** Reads all of stdin into `$x` (and a last unterminated line into `$l`) with the `read` builtin. */
const READ_STDIN = `x=
while IFS= read -r l; do x="$x$l
"; done
`;

export interface SessionStartScriptOptions {
  eventsDir: string;
  tempDir: string;
}

/**
 * The `SessionStart` command hook: its stdin (the hook JSON) becomes one complete file in the
 * events spool (`tmp/` then `mv`, so the watcher never sees a part). It prints nothing — a
 * SessionStart hook's stdout would be added to Claude's context — and always exits 0.
 */
export function sessionStartScript(options: SessionStartScriptOptions): string {
  return `#!/bin/sh
# claude-fallback: SessionStart hook for one wrapped run (generated; do not edit).
# Hands the hook's input to the wrapper as one complete file; prints nothing.
umask 077
e=${shellQuote(options.eventsDir)}
t=${shellQuote(options.tempDir)}/ss.$$
${READ_STDIN}n=0
while [ -e "$e/$$-$n.json" ]; do n=$((n + 1)); done
{ printf '%s%s' "$x" "$l" >"$t" && mv -f "$t" "$e/$$-$n.json"; } 2>/dev/null
exit 0
`;
}

export interface StatusLineScriptOptions {
  tempDir: string;
  statusLineFile: string;
  segmentFile: string;
  /** The user's own `statusLine.command`, run with the same input; null when they have none. */
  userCommand: string | null;
}

/**
 * The status line: saves its input as `statusline.json` (for the wrapper), runs the user's own
 * status line with the same input, and prints its output with our segment (`segment.txt`, one
 * line kept up to date by the wrapper) appended to the last line after a space — or the segment
 * alone, or the user's output alone when there is no segment file.
 *
 * The user's command writes to a file, not a pipe: like Claude Code, we wait for the command to
 * exit, not for every process it started to close its output. Its stderr (Claude Code does not
 * show it) goes to /dev/null. There is no timeout of our own: Claude Code stops a status line that
 * a newer update overtakes (SIGTERM to its process group, which holds the user's command too).
 */
export function statusLineScript(options: StatusLineScriptOptions): string {
  const head = `#!/bin/sh
# claude-fallback: status line for one wrapped run (generated; do not edit).
t=${shellQuote(options.tempDir)}
c=${options.userCommand === null ? "''" : shellQuote(options.userCommand)}
if [ ! -d "$t" ]; then
  # The run is gone: behave as the user's own status line would.
  [ -z "$c" ] || exec /bin/sh -c "$c"
  exit 0
fi
${READ_STDIN}i="$t/in.$$"
if { printf '%s%s' "$x" "$l" >"$i"; } 2>/dev/null; then
  [ -z "$c" ] || exec 3<"$i"
  mv -f "$i" ${shellQuote(options.statusLineFile)} 2>/dev/null
fi
u=
`;
  const runUser = `if [ -n "$c" ]; then
  o="$t/out.$$"
  ${WRAPPED_STATUSLINE_ENV}=wrapped /bin/sh -c "$c" <&3 >"$o" 2>/dev/null 3<&-
  n=
  { while IFS= read -r l || [ -n "$l" ]; do u="$u$n$l"; n='
'; done <"$o"; } 2>/dev/null
  while :; do case $u in *'
') u=\${u%?} ;; *) break ;; esac; done
fi
`;
  const print = `s=
{ IFS= read -r s <${shellQuote(options.segmentFile)}; } 2>/dev/null
if [ -n "$u" ] && [ -n "$s" ]; then printf '%s %s\\n' "$u" "$s"
elif [ -n "$u" ]; then printf '%s\\n' "$u"
elif [ -n "$s" ]; then printf '%s\\n' "$s"
fi
exit 0
`;
  return head + (options.userCommand === null ? "" : runUser) + print;
}

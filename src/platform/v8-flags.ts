/**
 * V8 refuses cached code made under other flags than its own (platform/code-cache.ts). A start
 * that changes a flag while it runs (platform/undici.ts) would cache its code at exit under the
 * changed flags, and every later start, which begins with the usual ones, would refuse it and
 * cache it anew: a user on API billing alone would never start from cached code. So code not yet
 * cached is cached before a flag changes. The bin's bundle caches code and the program's changes
 * flags, each with its own copy of this module: what is to run before a change waits on `globalThis`.
 */
const PENDING = Symbol.for("claude-fallback.before-v8-flags-change");

type Holder = { [PENDING]?: () => void };

/** Has `action` run before V8's flags next change (see {@link changingV8Flags}), once. */
export function beforeV8FlagsChange(action: () => void): void {
  (globalThis as Holder)[PENDING] = action;
}

/** To be called right before V8's flags are changed: runs what waits for it. */
export function changingV8Flags(): void {
  const holder = globalThis as Holder;
  const action = holder[PENDING];
  delete holder[PENDING];
  action?.();
}

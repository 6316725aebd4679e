/**
 * Reading a CSI (`ESC [`, parameter bytes, one final byte) in a child's output, for the terminal
 * modes tracker (`modes.ts`): where one that lies whole in a chunk ends, and what its parameters
 * say. Pure.
 */

/**
 * The index of the final byte of the CSI whose parameters start at `start` (just after `ESC [`),
 * when it lies whole in `chunk` with at most `maxLength` parameter bytes (0x20–0x3F); -1 when it
 * does not (cut by the chunk's end, a byte no CSI parameter is, or longer).
 */
export function wholeCsiFinal(chunk: Uint8Array, start: number, maxLength: number): number {
  const limit = Math.min(chunk.length, start + maxLength + 1);
  let at = start;
  while (at < limit && chunk[at]! >= 0x20 && chunk[at]! <= 0x3f) at++;
  if (at === limit) return -1;
  return chunk[at]! >= 0x40 && chunk[at]! <= 0x7e ? at : -1;
}

/** Parameter bytes `start`..`end` of an SGR (`CSI … m`) have no private prefix (`<=>?`) and no intermediates. */
export function isPlainSgr(chunk: Uint8Array, start: number, end: number): boolean {
  if (start === end) return true;
  const first = chunk[start]!;
  return (first < 0x3c || first > 0x3f) && chunk[end - 1]! > 0x2f;
}

/** The parameter bytes are only `0` and `;`: an SGR that resets the attributes (`/^[0;]*$/` on bytes). */
export function sgrOnlyResets(chunk: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if (chunk[at] !== 0x30 && chunk[at] !== 0x3b) return false;
  return true;
}

/** The numeric parameters of a CSI by position (sub-parameters ignored); empty ones are undefined. */
export function fields(params: string): (number | undefined)[] {
  return params.split(";").map((field) => {
    const head = field.split(":")[0]!;
    return /^\d+$/.test(head) ? Number(head) : undefined;
  });
}

/** The numeric parameters present, for lists such as `CSI ? 1000 ; 1006 h`. */
export function numbers(params: string): number[] {
  return fields(params).filter((value) => value !== undefined);
}

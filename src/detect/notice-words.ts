/**
 * The words every entry of the message table names, in two forms made from one list: a regular
 * expression for a line of text, and an automaton (Aho–Corasick over bytes) that the screen
 * scanner steps through the bytes of a line as it walks them, so that a line of Claude's output
 * without any of the words is never decoded, built or matched. Case is ignored for ASCII letters
 * only, as the expression's `i` flag does without `u`.
 */

/** Every entry of the shipped table names one of these; the table's tests keep the list honest. */
const NOTICE_WORDS = [
  "limit",
  "usage",
  "reset",
  "spend",
  "cap",
  "credit",
  "overload",
  "load",
  "429",
  "529",
  "continu",
  "approach",
] as const;

/** A line of text holds one of the words. */
export const MAY_BE_NOTICE = new RegExp(NOTICE_WORDS.join("|"), "i");

/** Symbols of the automaton: 0 for any byte no word has, then `a`–`z` (either case) and `0`–`9`. */
const WORD_SYMBOLS = 1 + 26 + 10;
/** A state is the offset of its row in the table: rows this long (a power of two above the symbols). */
const ROW = 64;

/** The automaton's symbol for each byte. */
export const WORD_SYMBOL = new Uint8Array(256);
for (let letter = 0; letter < 26; letter++) {
  WORD_SYMBOL[0x61 + letter] = 1 + letter;
  WORD_SYMBOL[0x41 + letter] = 1 + letter;
}
for (let digit = 0; digit < 10; digit++) WORD_SYMBOL[0x30 + digit] = 27 + digit;

interface Automaton {
  /**
   * `next[state + symbol]`: the state after reading the symbol. The start is 0; states that have
   * just read a word whole are numbered last, from `hitFrom` on, so one comparison tells a hit.
   */
  next: Uint16Array;
  hitFrom: number;
}

/** Aho–Corasick: a trie of the words, its failure links folded into a full transition table. */
function buildAutomaton(words: readonly string[]): Automaton {
  const children: Map<number, number>[] = [new Map()];
  const ends: boolean[] = [false];
  for (const word of words) {
    let node = 0;
    for (const char of word) {
      const symbol = WORD_SYMBOL[char.charCodeAt(0)]!;
      let child = children[node]!.get(symbol);
      if (child === undefined) {
        child = children.length;
        children.push(new Map());
        ends.push(false);
        children[node]!.set(symbol, child);
      }
      node = child;
    }
    ends[node] = true;
  }
  // Transitions by trie node, breadth first so that a node's failure node is complete before it is.
  const next: number[][] = children.map(() => new Array<number>(WORD_SYMBOLS).fill(0));
  const failure = new Array<number>(children.length).fill(0);
  const hit = new Array<boolean>(children.length).fill(false);
  const queue: number[] = [0];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    hit[node] = ends[node]! || hit[failure[node]!]!;
    for (let symbol = 0; symbol < WORD_SYMBOLS; symbol++) {
      const child = symbol === 0 ? undefined : children[node]!.get(symbol);
      if (child === undefined) {
        next[node]![symbol] = node === 0 ? 0 : next[failure[node]!]![symbol]!;
        continue;
      }
      failure[child] = node === 0 ? 0 : next[failure[node]!]![symbol]!;
      next[node]![symbol] = child;
      queue.push(child);
    }
  }
  if (children.length * ROW > 0x10000) throw new Error("notice words: too many states for the table");
  // Renumbered: the start first, the hits last; each state the offset of its row.
  const order = children.map((_, node) => node).sort((a, b) => Number(hit[a]) - Number(hit[b]) || a - b);
  const offset = new Array<number>(children.length);
  order.forEach((node, rank) => {
    offset[node] = rank * ROW;
  });
  const table = new Uint16Array(children.length * ROW);
  for (const node of order) {
    for (let symbol = 0; symbol < WORD_SYMBOLS; symbol++)
      table[offset[node]! + symbol] = offset[next[node]![symbol]!]!;
  }
  return { next: table, hitFrom: order.findIndex((node) => hit[node]) * ROW };
}

const automaton = buildAutomaton(NOTICE_WORDS);
/** `WORD_NEXT[state + WORD_SYMBOL[byte]]`: the state after the byte, from the start state 0. */
export const WORD_NEXT = automaton.next;
/** A state at or past this has just read one of the words. */
export const WORD_HIT_FROM = automaton.hitFrom;

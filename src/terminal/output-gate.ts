/**
 * Holds the child's output back while an overlay is shown, so the child's repaints do not cover
 * the box, and lets it through when the overlay closes. Pure: the writer is given to it.
 */

/** A bound that no ordinary overlay session reaches, yet keeps a runaway child from eating memory. */
export const DEFAULT_MAX_HELD_BYTES = 4 * 1024 * 1024;

export interface OutputGateOptions {
  /** Where output goes when it is let through (the user's terminal). */
  write: (chunk: Uint8Array) => void;
  /**
   * How much held output to keep. Past it, all held output is dropped (and so is the rest until
   * release): the caller then re-asserts the terminal modes and forces a redraw of the child.
   */
  maxHeldBytes?: number;
}

/** What {@link OutputGate.release} did. */
export interface GateRelease {
  /** Bytes written out on release. */
  releasedBytes: number;
  /**
   * Bytes thrown away because the bound was passed. When > 0, write `modes.syncSequence()` and
   * call `child.forceRedraw()`: the screen and the terminal modes missed part of the child's output.
   */
  droppedBytes: number;
}

/**
 * Passes output through, or holds it. `write` while passing writes at once; while holding,
 * chunks are kept in order (up to the bound) until {@link release}.
 */
export class OutputGate {
  private readonly writeOut: (chunk: Uint8Array) => void;
  private readonly maxHeldBytes: number;
  private held: Uint8Array[] = [];
  private heldCount = 0;
  private dropped = 0;
  private isHolding = false;

  constructor(options: OutputGateOptions) {
    this.writeOut = options.write;
    this.maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  }

  get holding(): boolean {
    return this.isHolding;
  }

  /** Bytes currently held. */
  get heldBytes(): number {
    return this.heldCount;
  }

  /** Bytes dropped since {@link hold}. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Writes `chunk` now, or holds it. The gate keeps a reference: do not reuse the buffer. */
  write(chunk: Uint8Array): void {
    if (!this.isHolding) {
      this.writeOut(chunk);
      return;
    }
    if (this.dropped > 0 || this.heldCount + chunk.length > this.maxHeldBytes) {
      this.dropped += this.heldCount + chunk.length;
      this.held = [];
      this.heldCount = 0;
      return;
    }
    this.held.push(chunk);
    this.heldCount += chunk.length;
  }

  /** Starts holding output (no effect if already holding). */
  hold(): void {
    if (this.isHolding) return;
    this.isHolding = true;
    this.dropped = 0;
  }

  /** Writes what was held, in order, and passes output through again. */
  release(): GateRelease {
    const result: GateRelease = { releasedBytes: this.heldCount, droppedBytes: this.dropped };
    const held = this.held;
    this.held = [];
    this.heldCount = 0;
    this.dropped = 0;
    this.isHolding = false;
    for (const chunk of held) this.writeOut(chunk);
    return result;
  }
}

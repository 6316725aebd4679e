import type { BillingKind, ResponseScript } from "./types.js";

/** The FIFO of per-request scripts: each request takes the first script meant for its billing kind and session. */
export class ScriptQueue {
  private readonly scripts: ResponseScript[] = [];

  enqueue(...scripts: ResponseScript[]): void {
    this.scripts.push(...scripts);
  }

  take(billing: BillingKind, sessionId: string | null): ResponseScript | undefined {
    const index = this.scripts.findIndex(
      (script) =>
        (script.billing === undefined || script.billing === billing) &&
        (script.sessionId === undefined || script.sessionId === sessionId),
    );
    return index < 0 ? undefined : this.scripts.splice(index, 1)[0];
  }

  get length(): number {
    return this.scripts.length;
  }
}

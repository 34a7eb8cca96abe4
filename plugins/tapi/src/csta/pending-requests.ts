import type { CstaIncoming } from "./csta-messages.js";

/** A request waiting for its answer. */
export interface PendingRequest {
  /** The 4-digit invoke id (`length-header` framing), or null when answers are matched in order. */
  readonly invokeId: string | null;
  /** The request's name, for logs. */
  readonly name: string;
  /** Response types that answer it (a `CSTAErrorCode` always may). */
  readonly expects: readonly string[];
  /** The device it is about, for the message trace. */
  readonly device?: string;
  /** Called synchronously with the answer, in wire order with events. */
  settle(message: CstaIncoming): void;
  /** Called when the request can no longer be answered. */
  fail(error: Error): void;
}

/** The invoke ids a client may use; servers mark unsolicited events with 9999. */
const MAX_INVOKE_ID = 9998;

/**
 * The requests in flight on one link, matched to answers by invoke id or, without invoke ids
 * (`nul-terminated` framing), in order: the oldest request that such an answer can settle.
 */
export class PendingRequests {
  private readonly byId = new Map<string, PendingRequest>();
  private readonly inOrder: PendingRequest[] = [];
  private lastId = 0;

  constructor(private readonly useInvokeIds: boolean) {}

  /** The next free invoke id, `0001`…`9998`, cycling. Null when answers are matched in order. */
  nextInvokeId(): string | null {
    if (!this.useInvokeIds) return null;
    for (let i = 0; i < MAX_INVOKE_ID; i++) {
      this.lastId = (this.lastId % MAX_INVOKE_ID) + 1;
      const id = String(this.lastId).padStart(4, "0");
      if (!this.byId.has(id)) return id;
    }
    throw new Error(`${MAX_INVOKE_ID} requests in flight: the switch does not answer`);
  }

  add(p: PendingRequest): void {
    if (p.invokeId !== null) this.byId.set(p.invokeId, p);
    else this.inOrder.push(p);
  }

  /** Removes and returns the request an answer settles, or undefined (a stray answer). */
  take(invokeId: string | null, type: string): PendingRequest | undefined {
    if (this.useInvokeIds) {
      const p = invokeId === null ? undefined : this.byId.get(invokeId);
      if (p) this.byId.delete(invokeId!);
      return p;
    }
    const i = this.inOrder.findIndex((p) => type === "CSTAErrorCode" || p.expects.includes(type));
    return i < 0 ? undefined : this.inOrder.splice(i, 1)[0];
  }

  /** Forgets a request (it timed out). */
  remove(p: PendingRequest): void {
    if (p.invokeId !== null) {
      if (this.byId.get(p.invokeId) === p) this.byId.delete(p.invokeId);
    } else {
      const i = this.inOrder.indexOf(p);
      if (i >= 0) this.inOrder.splice(i, 1);
    }
  }

  /** Fails every request (the link is gone). */
  failAll(error: Error): void {
    const all = [...this.byId.values(), ...this.inOrder];
    this.byId.clear();
    this.inOrder.length = 0;
    for (const p of all) p.fail(error);
  }

  get size(): number {
    return this.byId.size + this.inOrder.length;
  }
}

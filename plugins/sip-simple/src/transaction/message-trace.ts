import type { Remote } from "../transport/sip-transport.js";

/** One traced message. */
export interface TraceEntry {
  readonly at: number;
  readonly direction: "in" | "out";
  readonly remote: Remote;
  /** The message text; credentials redacted. */
  readonly text: string;
  /** The Call-ID, when it could be read: filters the trace down to one subscription. */
  readonly callId: string | null;
}

interface Slot {
  at: number;
  direction: "in" | "out";
  remote: Remote;
  data: Buffer;
}

/**
 * A bounded ring of the connector's last SIP messages, for the diagnostics page's trace of a test
 * subscription. Recording keeps a reference to the bytes (cheap on the hot path); text is made,
 * and `Authorization`/`Proxy-Authorization` responses are redacted, only when someone reads it.
 * Passwords never travel in SIP, so nothing else needs hiding.
 */
export class MessageTrace {
  private readonly ring: (Slot | undefined)[];
  private next = 0;

  constructor(readonly capacity = 500) {
    this.ring = new Array<Slot | undefined>(capacity);
  }

  record(direction: "in" | "out", data: Buffer, remote: Remote, at: number): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = { at, direction, remote, data };
    this.next = (this.next + 1) % this.capacity;
  }

  /** Entries oldest first, optionally only those of the given Call-IDs. */
  entries(filter?: { callIds?: ReadonlySet<string>; limit?: number }): TraceEntry[] {
    const out: TraceEntry[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const slot = this.ring[(this.next + i) % this.capacity];
      if (!slot) continue;
      const text = redact(slot.data.toString("utf8"));
      const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(text)?.[1] ?? null;
      if (filter?.callIds && (!callId || !filter.callIds.has(callId))) continue;
      out.push({ at: slot.at, direction: slot.direction, remote: slot.remote, text, callId });
    }
    return filter?.limit ? out.slice(-filter.limit) : out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
  }
}

/** Replaces digest responses and cnonces with `[redacted]`; keeps realm, nonce, uri for debugging. */
export function redact(text: string): string {
  return text.replace(/^((?:Proxy-)?Authorization[ \t]*:.*)$/gim, (line) =>
    line.replace(/\b(response|cnonce)\s*=\s*("[^"]*"|[^,\s]+)/gi, '$1="[redacted]"'),
  );
}

/**
 * The simulator's framing, written independently of the client's (see sim-xml.ts for why).
 *
 * `length-header`: `[0x00 0x00][length: uint16 BE, whole message][invoke id: 4 ASCII digits][XML]`.
 * `nul-terminated`: `[XML][0x00]`.
 */
export type SimFraming = "length-header" | "nul-terminated";

/** One message read by the simulator. */
export interface SimMessage {
  readonly invokeId: string | null;
  readonly xml: string;
}

/** Frames one message for a client. */
export function frame(framing: SimFraming, xml: string, invokeId: string | null): Buffer {
  const body = Buffer.from(xml, "utf8");
  if (framing === "nul-terminated") return Buffer.concat([body, Buffer.of(0)]);
  const total = body.length + 8;
  if (total > 0xffff) throw new Error(`simulated message too long (${total} bytes)`);
  return Buffer.concat([Buffer.of(0, 0, total >> 8, total & 0xff), Buffer.from((invokeId ?? "9999").padStart(4, "0").slice(-4), "ascii"), body]);
}

/**
 * Cuts a client's byte stream into messages. Keeps a list of chunks and only joins them when a
 * message is complete. A nonsense header throws: the simulator then drops that client, as a
 * real switch would.
 */
export class SimDeframer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly framing: SimFraming) {}

  feed(chunk: Buffer): SimMessage[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const out: SimMessage[] = [];
    for (;;) {
      const next = this.framing === "length-header" ? this.nextLength() : this.nextNul();
      if (!next) return out;
      out.push(next);
    }
  }

  private nextLength(): SimMessage | null {
    if (this.size < 4) return null;
    const head = this.peek(4);
    if (head[0] !== 0 || head[1] !== 0) throw new Error("unexpected format indicator from client");
    const total = head.readUInt16BE(2);
    if (total < 8) throw new Error("message length smaller than its header");
    if (this.size < total) return null;
    const whole = this.take(total);
    return { invokeId: whole.toString("ascii", 4, 8), xml: whole.toString("utf8", 8) };
  }

  private nextNul(): SimMessage | null {
    if (this.size === 0) return null;
    const all = this.peek(this.size);
    const end = all.indexOf(0);
    if (end < 0) {
      if (this.size > 0xffff) throw new Error("client message without terminator");
      return null;
    }
    const whole = this.take(end + 1);
    const xml = whole.toString("utf8", 0, end).trim();
    return xml ? { invokeId: null, xml } : this.nextNul();
  }

  private peek(n: number): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length > 1 ? Buffer.concat(this.chunks) : this.chunks[0]!;
    this.chunks = n < all.length ? [all.subarray(n)] : [];
    this.size -= n;
    return all.subarray(0, n);
  }
}

/**
 * How CSTA XML messages are delimited on a TCP stream.
 *
 * - `length-header` (the default, what CSTA XML servers use): every message is preceded by an
 *   8-byte header: a 2-byte big-endian format indicator (`0x0000` = XML without a SOAP
 *   envelope), a 2-byte big-endian length of the whole message *including* the header, and a
 *   4-character ASCII invoke id (`0001`…`9998` for requests and their responses; servers send
 *   unsolicited events with `9999`). The XML document follows. Sources are listed in the plugin
 *   README (Avaya DMCC XML, Unify OpenScape CSTA and independent client libraries agree).
 * - `nul-terminated`: each XML document ends with a NUL byte and carries no invoke id (seen on
 *   CSTA-over-TCP gateways that take raw documents); responses are matched to requests in order.
 */
export type CstaFraming = "length-header" | "nul-terminated";

/** The framings this client implements, for the settings schema. */
export const CSTA_FRAMINGS = ["length-header", "nul-terminated"] as const;

/** Bytes in a `length-header` header. */
export const HEADER_BYTES = 8;
/** The largest message a 16-bit length can describe. */
export const MAX_FRAME_BYTES = 0xffff;
/** The invoke id servers put on unsolicited events. */
export const EVENT_INVOKE_ID = "9999";

/** One message taken off the stream. */
export interface CstaFrame {
  /** The format indicator (`length-header` only; 0 = plain XML, 1 = SOAP envelope). */
  readonly format: number;
  /** The 4-character invoke id, or null with `nul-terminated` framing. */
  readonly invokeId: string | null;
  /** The XML document, undecoded. */
  readonly payload: Buffer;
}

/** The stream cannot be read any further (a header that makes no sense): the link must be dropped. */
export class FramingError extends Error {
  override readonly name = "FramingError";
}

/** Frames one XML document for sending. */
export function encodeFrame(framing: CstaFraming, invokeId: string | null, xml: string): Buffer {
  const body = Buffer.from(xml, "utf8");
  if (framing === "nul-terminated") {
    if (body.includes(0)) throw new FramingError("a NUL byte cannot be sent in a NUL-terminated message");
    return Buffer.concat([body, Buffer.from([0])]);
  }
  if (!invokeId || !/^\d{4}$/.test(invokeId)) throw new FramingError(`invoke id must be 4 digits, got ${JSON.stringify(invokeId)}`);
  const length = HEADER_BYTES + body.length;
  if (length > MAX_FRAME_BYTES) throw new FramingError(`message of ${length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit of the length header`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(0, 0);
  header.writeUInt16BE(length, 2);
  header.write(invokeId, 4, "ascii");
  return Buffer.concat([header, body]);
}

/**
 * Reassembles messages from TCP chunks split anywhere. `push()` returns every message completed
 * by the chunk. With `length-header`, an impossible header throws {@link FramingError} (the
 * stream has no way to resynchronise); with `nul-terminated`, an over-long message is dropped up
 * to its terminator and counted in {@link discarded}.
 */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private skipping = false;
  /** Messages dropped because they exceeded the size limit (`nul-terminated`). */
  discarded = 0;

  constructor(
    private readonly framing: CstaFraming,
    private readonly maxFrameBytes = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): CstaFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return this.framing === "length-header" ? this.lengthFrames() : this.nulFrames();
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.buffer.length;
  }

  private lengthFrames(): CstaFrame[] {
    const out: CstaFrame[] = [];
    let offset = 0;
    const b = this.buffer;
    while (b.length - offset >= 4) {
      const format = b.readUInt16BE(offset);
      const length = b.readUInt16BE(offset + 2);
      if (format > 1) throw new FramingError(`unknown format indicator 0x${format.toString(16).padStart(4, "0")} (is the framing setting right?)`);
      if (length < HEADER_BYTES) throw new FramingError(`message length ${length} is shorter than the header`);
      if (length > this.maxFrameBytes) throw new FramingError(`message length ${length} exceeds ${this.maxFrameBytes}`);
      if (b.length - offset < length) break;
      const invokeId = b.toString("latin1", offset + 4, offset + 8);
      if (!/^[\x20-\x7e]{4}$/.test(invokeId)) throw new FramingError("invoke id is not printable ASCII");
      out.push({ format, invokeId, payload: b.subarray(offset + HEADER_BYTES, offset + length) });
      offset += length;
    }
    this.buffer = offset === 0 ? b : b.subarray(offset);
    if (this.buffer.length === 0) this.buffer = Buffer.alloc(0);
    return out;
  }

  private nulFrames(): CstaFrame[] {
    const out: CstaFrame[] = [];
    let offset = 0;
    const b = this.buffer;
    for (;;) {
      const nul = b.indexOf(0, offset);
      if (nul < 0) break;
      if (this.skipping) this.skipping = false;
      else {
        // The limit applies to the frame as received: whitespace padding counts, or 10 MB of
        // spaces before a small document would pass (found by the robustness suite).
        const payload = trimSpace(b.subarray(offset, nul));
        if (nul - offset > this.maxFrameBytes) this.discarded++;
        else if (payload.length > 0) out.push({ format: 0, invokeId: null, payload });
      }
      offset = nul + 1;
    }
    let rest = b.subarray(offset);
    if (rest.length > this.maxFrameBytes) {
      // Too long to be a message: drop what we have and everything up to the next terminator.
      if (!this.skipping) this.discarded++;
      this.skipping = true;
      rest = Buffer.alloc(0);
    }
    this.buffer = rest.length === 0 ? Buffer.alloc(0) : rest;
    return out;
  }
}

function trimSpace(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  while (start < end && isSpace(b[start]!)) start++;
  while (end > start && isSpace(b[end - 1]!)) end--;
  return b.subarray(start, end);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

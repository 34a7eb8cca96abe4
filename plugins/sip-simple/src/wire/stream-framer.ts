/**
 * Cutting a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3) and keep-alives
 * (RFC 5626 §3.5.1).
 *
 * Works on Buffers and counts Content-Length in BYTES: sip.js frames on a decoded string and
 * swallows the start of the next message after a non-ASCII body (sip-stack-evaluation §2).
 * Any split point is handled: a message may arrive a byte at a time, several may share one
 * chunk. Each emitted message is one Buffer ready for {@link parseMessage}.
 *
 * Keep-alives between messages: a double CRLF is a "ping" the transport must answer with a
 * single CRLF; a single CRLF is a "pong" (the answer to our own ping). A ping split across two
 * reads is still reported as a ping; its first half is then also reported as a pong, which a
 * transport that sent no ping simply ignores.
 *
 * Framing errors are not recoverable on a stream (there is no way to find the next message),
 * so they end the framer with a "broken" event: the transport closes the connection.
 */
import { headerKey } from "./header-names.js";

/** Limits of a {@link StreamFramer}. */
export interface StreamFramerOptions {
  /** Largest start line + headers in bytes. Default 65536. */
  readonly maxHeaderBytes?: number;
  /** Largest Content-Length accepted. Default 4 MiB. */
  readonly maxBodyBytes?: number;
}

/** Why a stream cannot be framed any further. */
export type StreamBrokenReason = "header-too-large" | "body-too-large" | "bad-content-length";

/** The stream is unusable; close the connection. */
export class StreamBrokenError extends Error {
  /** Machine-readable cause. */
  readonly reason: StreamBrokenReason;

  /** @internal created by {@link StreamFramer} */
  constructor(reason: StreamBrokenReason, detail: string) {
    super(`SIP stream broken (${reason}): ${detail}`);
    this.name = "StreamBrokenError";
    this.reason = reason;
  }
}

/** What {@link StreamFramer.push} found. */
export type FramerEvent =
  /** One complete message: header block plus exactly Content-Length body bytes. */
  | { readonly kind: "message"; readonly data: Buffer }
  /** A CRLFCRLF keep-alive: answer with a single CRLF (RFC 5626 §3.5.1). */
  | { readonly kind: "ping" }
  /** A lone CRLF: the peer's answer to our ping. */
  | { readonly kind: "pong" }
  /** Framing failed; nothing more will be produced. */
  | { readonly kind: "broken"; readonly error: StreamBrokenError };

const PING: FramerEvent = Object.freeze({ kind: "ping" });
const PONG: FramerEvent = Object.freeze({ kind: "pong" });
const NO_EVENTS: readonly FramerEvent[] = Object.freeze([]);

/** Incremental framer for one connection. Not reusable across connections. */
export class StreamFramer {
  private readonly maxHeader: number;
  private readonly maxBody: number;
  /** Between messages: consecutive line ends seen (a ping is two). */
  private lineEnds = 0;
  /** Bytes of the header block being collected (empty between messages). */
  private head: Buffer = EMPTY;
  /** Where to resume looking for the empty line in {@link head}. */
  private scanFrom = 0;
  /** The message being filled once its size is known, and how much of it is filled. */
  private pending: Buffer | undefined;
  private filled = 0;
  private broken = false;

  /** @param options size limits; defaults 64 KiB of headers, 4 MiB of body */
  constructor(options: StreamFramerOptions = {}) {
    this.maxHeader = options.maxHeaderBytes ?? 64 * 1024;
    this.maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  }

  /** Bytes received but not yet emitted (for diagnostics and idle-timeout decisions). */
  get buffered(): number {
    return this.pending !== undefined ? this.filled : this.head.length;
  }

  /** Feeds one chunk from the socket; returns what became complete, in stream order. */
  push(chunk: Buffer): readonly FramerEvent[] {
    if (this.broken || chunk.length === 0) return NO_EVENTS;
    const events: FramerEvent[] = [];
    let data = chunk;
    while (data.length > 0) {
      if (this.pending !== undefined) {
        data = this.fillBody(data, events);
      } else if (this.head.length === 0) {
        data = this.skipKeepAlives(data, events);
        if (data.length > 0) {
          this.head = data;
          this.scanFrom = 0;
          data = this.takeHead(events);
        }
      } else {
        this.head = Buffer.concat([this.head, data]);
        data = this.takeHead(events);
      }
      if (this.broken) break;
    }
    // A single CRLF at the end of the read: report the pong now; if the next read starts with
    // another CRLF the pair is still reported as a ping (lineEnds stays 1).
    if (!this.broken && this.lineEnds === 1 && this.head.length === 0 && this.pending === undefined) events.push(PONG);
    return events;
  }

  /** Consumes CR/LF between messages, reporting pings; returns the rest of `data`. */
  private skipKeepAlives(data: Buffer, events: FramerEvent[]): Buffer {
    let i = 0;
    while (i < data.length) {
      const b = data[i]!;
      if (b === 0x0a) {
        if (++this.lineEnds === 2) {
          events.push(PING);
          this.lineEnds = 0;
        }
      } else if (b !== 0x0d) {
        break;
      }
      i++;
    }
    if (i < data.length) this.lineEnds = 0; // a message starts
    return i === 0 ? data : data.subarray(i);
  }

  /**
   * Looks for the end of the header block in {@link head}; once found, sizes the message and
   * either emits it or starts filling it. Returns bytes that belong to what follows.
   */
  private takeHead(events: FramerEvent[]): Buffer {
    const head = this.head;
    let bodyStart = -1;
    let pos = this.scanFrom;
    for (;;) {
      const lf = head.indexOf(0x0a, pos);
      if (lf < 0) break;
      // An empty line: LF LF, or LF CR LF.
      if (lf > 0 && (head[lf - 1] === 0x0a || (head[lf - 1] === 0x0d && lf > 1 && head[lf - 2] === 0x0a))) {
        bodyStart = lf + 1;
        break;
      }
      pos = lf + 1;
    }
    if (bodyStart < 0) {
      if (head.length > this.maxHeader) return this.fail(events, "header-too-large", `no end of headers within ${this.maxHeader} bytes`);
      this.scanFrom = Math.max(0, head.length - 2);
      return EMPTY;
    }
    if (bodyStart > this.maxHeader) return this.fail(events, "header-too-large", `header block of ${bodyStart} bytes`);

    const length = contentLength(head, bodyStart);
    if (length < 0) return this.fail(events, "bad-content-length", "missing digits, or several different Content-Length values");
    if (length > this.maxBody) return this.fail(events, "body-too-large", `Content-Length ${length} exceeds ${this.maxBody}`);
    const total = bodyStart + length;
    this.head = EMPTY;
    this.scanFrom = 0;
    if (head.length >= total) {
      events.push({ kind: "message", data: head.subarray(0, total) });
      return head.subarray(total);
    }
    // Copy into one buffer of the final size as the body arrives: linear, however it is chunked.
    const message = Buffer.allocUnsafe(total);
    head.copy(message, 0);
    this.pending = message;
    this.filled = head.length;
    return EMPTY;
  }

  private fillBody(data: Buffer, events: FramerEvent[]): Buffer {
    const message = this.pending!;
    const need = message.length - this.filled;
    const take = Math.min(need, data.length);
    data.copy(message, this.filled, 0, take);
    this.filled += take;
    if (this.filled === message.length) {
      events.push({ kind: "message", data: message });
      this.pending = undefined;
      this.filled = 0;
    }
    return take === data.length ? EMPTY : data.subarray(take);
  }

  private fail(events: FramerEvent[], reason: StreamBrokenReason, detail: string): Buffer {
    this.broken = true;
    this.head = EMPTY;
    this.pending = undefined;
    events.push({ kind: "broken", error: new StreamBrokenError(reason, detail) });
    return EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The Content-Length of a header block: 0 when absent (RFC 3261 §18.3 makes it mandatory on
 * streams; a message without one can only be body-less), -1 when malformed or when several
 * headers disagree. Folded Content-Length values are not supported (never seen in practice).
 */
function contentLength(head: Buffer, end: number): number {
  const text = head.toString("latin1", 0, end);
  let result = -2;
  let i = text.indexOf("\n") + 1; // skip the start line
  while (i > 0 && i < text.length) {
    let eol = text.indexOf("\n", i);
    if (eol < 0) eol = text.length;
    const colon = text.indexOf(":", i);
    if (colon > i && colon < eol) {
      const name = text.slice(i, colon).trim();
      if (name.length <= 14 && headerKey(name) === "content-length") {
        const value = text.slice(colon + 1, eol).trim();
        if (!/^[0-9]{1,10}$/.test(value)) return -1;
        const n = Number(value);
        if (result !== -2 && result !== n) return -1;
        result = n;
      }
    }
    i = eol + 1;
  }
  return result === -2 ? 0 : result;
}

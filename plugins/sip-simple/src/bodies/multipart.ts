/**
 * multipart bodies (RFC 2046 §5.1, RFC 2387 multipart/related): split into parts with their
 * own headers, without copying the part bodies.
 *
 * Resource-list NOTIFYs (RFC 4662) are `multipart/related` with an RLMI root and one part per
 * changed resource; OpenSIPS sends several feature events as `multipart/mixed`. Work is on bytes
 * (a Buffer view) because part bodies are binary by definition and their length is in bytes.
 *
 * Tolerated: LF-only line ends (hand-written and some embedded senders), transport padding
 * after a boundary, a preamble and an epilogue. Refused: a missing closing boundary (a body cut
 * by the MTU or a bad Content-Length must not be half-applied), more than `maxParts` parts,
 * oversized part headers, and transfer encodings other than 7bit/8bit/binary/base64.
 */

/** Bounds for {@link splitMultipart}. */
export interface MultipartLimits {
  /** Maximum number of parts; a resource list NOTIFY carries one per changed resource. */
  readonly maxParts: number;
  /** Maximum size of one part's header block, in bytes. */
  readonly maxHeaderBytes: number;
}

/** Defaults: lists of a few hundred users, ordinary part headers. */
export const DEFAULT_MULTIPART_LIMITS: Readonly<MultipartLimits> = Object.freeze({ maxParts: 1024, maxHeaderBytes: 8 * 1024 });

/** One body part. */
export interface MultipartPart {
  /** Header fields by lower-cased name (first occurrence wins), values trimmed, folded lines joined. */
  readonly headers: ReadonlyMap<string, string>;
  /** The part's Content-Type value, or null when absent (RFC 2046 default: text/plain). */
  readonly contentType: string | null;
  /** The part's Content-ID, normalised by {@link normalizeContentId}, or null. */
  readonly contentId: string | null;
  /** The part body: a view into the original buffer (decoded when base64). */
  readonly body: Buffer;
}

/** Outcome of {@link splitMultipart}. */
export type MultipartSplitResult = { readonly ok: true; readonly parts: readonly MultipartPart[] } | { readonly ok: false; readonly reason: string };

/**
 * Normalises a Content-ID or an RLMI `cid` for comparison: trims, strips `<…>` and a `cid:`
 * URL scheme (RFC 2392), so `<abc@host>`, `abc@host` and `cid:abc@host` compare equal.
 */
export function normalizeContentId(id: string): string {
  let s = id.trim();
  if (s.startsWith("<") && s.endsWith(">")) s = s.slice(1, -1).trim();
  if (s.length > 4 && s.slice(0, 4).toLowerCase() === "cid:") s = s.slice(4);
  return s;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * Splits a multipart body by its boundary (the Content-Type `boundary` parameter, 1–70
 * characters). Never throws for bad input.
 */
export function splitMultipart(body: Uint8Array, boundary: string, limits?: Partial<MultipartLimits>): MultipartSplitResult {
  const lim = limits ? { ...DEFAULT_MULTIPART_LIMITS, ...limits } : DEFAULT_MULTIPART_LIMITS;
  if (boundary.length < 1 || boundary.length > 70) return fail("boundary must be 1 to 70 characters");
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`, "latin1");

  let pos = findDelimiter(b, delimiter, 0);
  if (pos === -1) return fail("no boundary line");
  const parts: MultipartPart[] = [];
  for (;;) {
    let i = pos + delimiter.length;
    if (b[i] === DASH && b[i + 1] === DASH) return { ok: true, parts }; // close delimiter; the epilogue is ignored
    while (b[i] === 0x20 || b[i] === 0x09) i++; // transport padding
    if (b[i] === CR) i++;
    if (b[i] !== LF) return fail("no closing boundary"); // a bare CR at the very end
    const start = i + 1;
    const next = findDelimiter(b, delimiter, start);
    if (next === -1) return fail("no closing boundary");
    // The line break before the next delimiter belongs to the delimiter, not to the part.
    let end = next - 1;
    if (end > start && b[end - 1] === CR) end--;
    if (end < start) end = start;
    if (parts.length >= lim.maxParts) return fail(`more than ${lim.maxParts} parts`);
    const part = readPart(b, start, end, lim);
    if (typeof part === "string") return fail(part);
    parts.push(part);
    pos = next;
  }
}

/**
 * Next delimiter line: `--boundary` at the start of a line (at 0 or after an LF), followed by
 * `--`, or by optional padding and the line end. A line that merely starts with the boundary
 * string ("--boundaryX") is content, as RFC 2046 §5.1.1 reads.
 */
function findDelimiter(b: Buffer, delimiter: Buffer, from: number): number {
  for (let at = b.indexOf(delimiter, from); at !== -1; at = b.indexOf(delimiter, at + 1)) {
    if (at !== 0 && b[at - 1] !== LF) continue;
    let i = at + delimiter.length;
    if (b[i] === DASH && b[i + 1] === DASH) return at;
    while (b[i] === 0x20 || b[i] === 0x09) i++;
    if (b[i] === CR || b[i] === LF) return at;
  }
  return -1;
}

function readPart(b: Buffer, start: number, end: number, lim: MultipartLimits): MultipartPart | string {
  // Header block: lines up to the first empty line. A part that starts with an empty line has
  // no headers (RFC 2046).
  const headers = new Map<string, string>();
  let i = start;
  let bodyStart = -1;
  let lastName: string | null = null;
  while (i < end) {
    let lf = b.indexOf(LF, i);
    if (lf === -1 || lf > end) lf = end;
    let lineEnd = lf;
    if (lineEnd > i && b[lineEnd - 1] === CR) lineEnd--;
    if (lineEnd === i) {
      bodyStart = lf + 1;
      break;
    }
    if (lf - start > lim.maxHeaderBytes) return `part headers exceed ${lim.maxHeaderBytes} bytes`;
    const line = b.toString("latin1", i, lineEnd);
    if ((line[0] === " " || line[0] === "\t") && lastName !== null) {
      // Folded continuation of the previous header.
      headers.set(lastName, `${headers.get(lastName) ?? ""} ${line.trim()}`.trim());
    } else {
      const colon = line.indexOf(":");
      if (colon <= 0) return "malformed part header";
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) {
        headers.set(name, line.slice(colon + 1).trim());
        lastName = name;
      } else {
        lastName = null;
      }
    }
    i = lf + 1;
  }
  if (bodyStart === -1) {
    // No empty line: a part with headers only is legal and has an empty body; anything else is
    // a body without its separator.
    if (headers.size === 0) return "part without a header/body separator";
    bodyStart = end;
  }
  let body = b.subarray(Math.min(bodyStart, end), end);
  const cte = headers.get("content-transfer-encoding")?.toLowerCase();
  if (cte !== undefined && cte !== "binary" && cte !== "8bit" && cte !== "7bit") {
    if (cte !== "base64") return `unsupported Content-Transfer-Encoding ${cte.slice(0, 40)}`;
    body = Buffer.from(body.toString("latin1"), "base64");
  }
  const cid = headers.get("content-id");
  return {
    headers,
    contentType: headers.get("content-type") ?? null,
    contentId: cid === undefined ? null : normalizeContentId(cid),
    body,
  };
}

function fail(reason: string): MultipartSplitResult {
  return { ok: false, reason };
}

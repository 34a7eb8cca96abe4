/**
 * The single entry point from a NOTIFY to a typed body: picks the reader by Content-Type and
 * turns every failure into a value, so one bad body can never take the subscription layer (or
 * the process) down.
 *
 * Routing by media type:
 * - no body, or only whitespace → `empty` (normal: Kamailio sends Content-Length 0 before
 *   anything is published, after a refresh, and in the final `terminated` NOTIFY);
 * - `application/pidf+xml` (and `application/cpim-pidf+xml`, the same format) → `pidf`;
 * - `application/dialog-info+xml` → `dialog-info`;
 * - `application/x-as-feature-event+xml` → `as-feature-event`;
 * - `multipart/related` with an RLMI root (RFC 4662) → `rlmi`, each instance paired with its
 *   part by Content-ID and that part dispatched in turn (nested lists included, to a bound);
 * - `multipart/mixed` whose parts are all feature events (OpenSIPS presence_dfks sends one per
 *   feature) → one merged `as-feature-event`;
 * - anything else → `unsupported-content-type` (e.g. xpidf, which needs a DTD, or pidf-diff).
 */
import type { XmlLimits } from "@presence-hub/core";
import { type AsFeatureFacts, mergeAsFeatureFacts, parseAsFeatureEvent } from "./as-feature-event.js";
import { tryParseContentType as parseContentType } from "../wire/content-type.js";
import { type DialogInfoDocument, parseDialogInfo } from "./dialog-info.js";
import { type MultipartLimits, type MultipartPart, normalizeContentId, splitMultipart } from "./multipart.js";
import { type PidfDocument, parsePidf } from "./pidf.js";
import { type RlmiInstance, type RlmiList, pairRlmiParts, parseRlmi } from "./rlmi.js";

/** Why a body was not usable. */
export type BodyErrorCode = "unsupported-content-type" | "body-mismatch" | "too-large";

/** A body that could not be used: `reason` is the short class, `detail` says what exactly. */
export interface BodyError {
  readonly kind: "error";
  readonly code: BodyErrorCode;
  /** "unsupported content type", "body does not match its Content-Type" or "body too large". */
  readonly reason: string;
  readonly detail: string;
}

/** A resource of a resource-list NOTIFY with the state its part carried. */
export interface RlmiResourceBody {
  readonly resourceUri: string;
  /** Absent for a resource listed without instances (back-end state not known yet). */
  readonly instance?: RlmiInstance;
  /** The dispatched part; absent when the instance has no `cid` or no part has it. */
  readonly body?: DispatchedBody;
}

/** A NOTIFY body, typed. */
export type DispatchedBody =
  | { readonly kind: "empty" }
  | { readonly kind: "pidf"; readonly document: PidfDocument }
  | { readonly kind: "dialog-info"; readonly document: DialogInfoDocument }
  | { readonly kind: "as-feature-event"; readonly facts: AsFeatureFacts }
  | { readonly kind: "rlmi"; readonly list: RlmiList; readonly resources: readonly RlmiResourceBody[] }
  | BodyError;

/** Bounds for {@link dispatchBody}. */
export interface BodyDispatchOptions {
  /** Whole-body cap, checked before any parsing; default 2 MiB (a full-state RLS NOTIFY for a few hundred users fits). */
  readonly maxBodyBytes?: number;
  /** Limits for each XML document (each multipart part is its own document). */
  readonly xml?: Partial<XmlLimits>;
  readonly multipart?: Partial<MultipartLimits>;
  /** How deep resource lists may nest inside resource lists; default 2. */
  readonly maxNesting?: number;
}

const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
const EMPTY: DispatchedBody = Object.freeze({ kind: "empty" });

/**
 * Types a NOTIFY body by its Content-Type. Never throws: every failure is a `kind: "error"`
 * value with a code and a detail for the logs.
 */
export function dispatchBody(contentType: string | null | undefined, body: Uint8Array | string | null | undefined, options: BodyDispatchOptions = {}): DispatchedBody {
  try {
    return dispatch(contentType, body, options, 0);
  } catch (e) {
    // A reader bug must not become a crash of the receive path; report it like a bad body.
    return mismatch(`internal error while reading the body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function dispatch(contentType: string | null | undefined, body: Uint8Array | string | null | undefined, options: BodyDispatchOptions, depth: number): DispatchedBody {
  if (body === null || body === undefined || body.length === 0) return EMPTY;
  // Size before anything that scans the body, so a 10 MB body costs one comparison.
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (body.length > max) return { kind: "error", code: "too-large", reason: "body too large", detail: `body of ${body.length} bytes exceeds ${max}` };
  if (isBlank(body)) return EMPTY;
  if (contentType === null || contentType === undefined || contentType.trim() === "") return unsupported("body without Content-Type");
  const ct = parseContentType(contentType);
  if (!ct) return unsupported(`unparsable Content-Type ${JSON.stringify(contentType.slice(0, 80))}`);

  switch (ct.mediaType) {
    case "application/pidf+xml":
    case "application/cpim-pidf+xml": {
      const r = parsePidf(xmlInput(body, ct.parameters.get("charset")), options.xml);
      return r.ok ? { kind: "pidf", document: r.document } : mismatch(r.reason);
    }
    case "application/dialog-info+xml": {
      const r = parseDialogInfo(xmlInput(body, ct.parameters.get("charset")), options.xml);
      return r.ok ? { kind: "dialog-info", document: r.document } : mismatch(r.reason);
    }
    case "application/x-as-feature-event+xml":
    case "application/as-feature-event+xml": {
      const r = parseAsFeatureEvent(xmlInput(body, ct.parameters.get("charset")), options.xml);
      return r.ok ? { kind: "as-feature-event", facts: r.facts } : mismatch(r.reason);
    }
    case "multipart/related":
      return resourceList(ct.parameters, bytes(body), options, depth);
    case "multipart/mixed":
      return featureEvents(ct.parameters, bytes(body), options);
    default:
      return unsupported(`no reader for ${ct.mediaType}`);
  }
}

function resourceList(params: ReadonlyMap<string, string>, body: Buffer, options: BodyDispatchOptions, depth: number): DispatchedBody {
  const maxNesting = options.maxNesting ?? 2;
  if (depth > maxNesting) return mismatch(`resource lists nested deeper than ${maxNesting}`);
  const boundary = params.get("boundary");
  if (!boundary) return mismatch("multipart body without a boundary parameter");
  const type = params.get("type")?.toLowerCase();
  if (type !== undefined && type !== "application/rlmi+xml") return unsupported(`multipart/related of type ${type}`);
  const split = splitMultipart(body, boundary, options.multipart);
  if (!split.ok) return mismatch(split.reason);
  const parts = split.parts;
  // RFC 2387: the root is the part named by `start`, else the first part.
  const start = params.get("start");
  const startId = start === undefined ? undefined : normalizeContentId(start);
  const root = (startId === undefined ? undefined : parts.find((p) => p.contentId === startId)) ?? parts[0];
  if (!root) return mismatch("multipart/related without parts");
  const rootType = root.contentType === null ? null : parseContentType(root.contentType)?.mediaType;
  if (rootType !== "application/rlmi+xml") return unsupported(`multipart/related whose root is ${rootType ?? "untyped"}, not RLMI`);
  const rlmi = parseRlmi(root.body, options.xml);
  if (!rlmi.ok) return mismatch(`RLMI root: ${rlmi.reason}`);
  const resources: RlmiResourceBody[] = [];
  for (const pairing of pairRlmiParts(rlmi.list, parts)) {
    if (pairing.instance === undefined) {
      resources.push({ resourceUri: pairing.resourceUri });
    } else if (pairing.part === undefined) {
      resources.push({ resourceUri: pairing.resourceUri, instance: pairing.instance });
    } else {
      const bodyOfPart = dispatch(pairing.part.contentType, pairing.part.body, options, depth + 1);
      resources.push({ resourceUri: pairing.resourceUri, instance: pairing.instance, body: bodyOfPart });
    }
  }
  return { kind: "rlmi", list: rlmi.list, resources };
}

function featureEvents(params: ReadonlyMap<string, string>, body: Buffer, options: BodyDispatchOptions): DispatchedBody {
  const boundary = params.get("boundary");
  if (!boundary) return mismatch("multipart body without a boundary parameter");
  const split = splitMultipart(body, boundary, options.multipart);
  if (!split.ok) return mismatch(split.reason);
  let facts: AsFeatureFacts = {};
  let any = false;
  for (const part of split.parts) {
    if (!isFeaturePart(part)) return unsupported(`multipart/mixed with a ${part.contentType ?? "untyped"} part`);
    const r = parseAsFeatureEvent(part.body, options.xml);
    if (!r.ok) return mismatch(r.reason);
    facts = mergeAsFeatureFacts(facts, r.facts);
    any = true;
  }
  return any ? { kind: "as-feature-event", facts } : EMPTY;
}

function isFeaturePart(part: MultipartPart): boolean {
  const t = part.contentType === null ? undefined : parseContentType(part.contentType)?.mediaType;
  return t === "application/x-as-feature-event+xml" || t === "application/as-feature-event+xml";
}

/** XML input, decoded here only when the Content-Type names Latin-1 (the reader otherwise follows the XML declaration). */
function xmlInput(body: Uint8Array | string, charset: string | undefined): Uint8Array | string {
  if (typeof body === "string" || charset === undefined) return body;
  const cs = charset.toLowerCase();
  return cs === "iso-8859-1" || cs === "latin1" ? bytes(body).toString("latin1") : body;
}

function bytes(body: Uint8Array | string): Buffer {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function isBlank(body: Uint8Array | string): boolean {
  // Stops at the first non-blank character, so real bodies pay one comparison.
  for (let i = 0; i < body.length; i++) {
    const c = typeof body === "string" ? body.charCodeAt(i) : body[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

function unsupported(detail: string): BodyError {
  return { kind: "error", code: "unsupported-content-type", reason: "unsupported content type", detail };
}

function mismatch(detail: string): BodyError {
  return { kind: "error", code: "body-mismatch", reason: "body does not match its Content-Type", detail };
}

/**
 * Typed SIP messages as produced by {@link parseMessage}.
 *
 * What every layer above needs on the per-NOTIFY hot path (Call-ID, tags, CSeq, Via, and the
 * body octets) is checked and extracted while parsing, because the parser has to look at it
 * anyway to reject what RFC 3261/4475 call invalid. Everything else (Event, Subscription-State,
 * Content-Type, Expires, URIs, auth challenges, the body as text) is parsed on first access and
 * cached, so a message nobody inspects costs nothing more.
 *
 * Lazy accessors return `undefined` when the header is absent and throw {@link SipSyntaxError}
 * when it is present but malformed: the receiving layer catches that once and answers 400.
 */
import { parseChallenges, type AuthChallenge } from "./auth-header.js";
import { parseContentType, type ContentType } from "./content-type.js";
import type { CSeq } from "./cseq.js";
import { parseEvent, parseSubscriptionState, type EventHeader, type SubscriptionState } from "./event-headers.js";
import { tagOf, type NameAddr } from "./name-addr.js";
import { parseDeltaSeconds, parseRetryAfter, parseSipDate, parseTokenList, type RetryAfter } from "./scalar-headers.js";
import type { SipHeaders } from "./sip-headers.js";
import { parseUri, type Uri } from "./sip-uri.js";
import type { Via } from "./via.js";

const UNSET: unique symbol = Symbol("unset");
type Lazy<T> = T | typeof UNSET;

/** What the parser hands to the message constructors. @internal */
export interface SipMessageParts {
  readonly headers: SipHeaders;
  readonly body: Buffer;
  readonly data: Buffer;
  readonly rawStart: number;
  readonly rawEnd: number;
  readonly callId: string;
  readonly cseq: CSeq;
  readonly vias: readonly Via[];
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly contacts: readonly NameAddr[] | "*" | undefined;
  readonly routes: readonly NameAddr[];
  readonly recordRoutes: readonly NameAddr[];
  readonly maxForwards: number | undefined;
  readonly contentLength: number | undefined;
}

/** Fields and accessors shared by requests and responses. */
export abstract class SipMessageBase {
  /** All header fields in wire order, case-insensitive lookup with compact forms expanded. */
  readonly headers: SipHeaders;
  /** The body octets: exactly Content-Length bytes (or the rest of the datagram when absent). */
  readonly body: Buffer;
  /** Call-ID value. */
  readonly callId: string;
  /** CSeq number and method. */
  readonly cseq: CSeq;
  /** Every Via value in order (comma lists split); at least one. */
  readonly vias: readonly Via[];
  /** From (URI not yet parsed: see {@link parseUri}). */
  readonly from: NameAddr;
  /** To (URI not yet parsed). */
  readonly to: NameAddr;
  /** Contact values in order, `"*"` for a wildcard, undefined when absent. */
  readonly contacts: readonly NameAddr[] | "*" | undefined;
  /** Route values in order (empty when absent). */
  readonly routes: readonly NameAddr[];
  /** Record-Route values in order (empty when absent). */
  readonly recordRoutes: readonly NameAddr[];
  /** Max-Forwards, or undefined when absent (allowed in responses). */
  readonly maxForwards: number | undefined;
  /** Content-Length as received, or undefined when the header was absent (datagram only). */
  readonly contentLength: number | undefined;

  private readonly data: Buffer;
  private readonly rawStart: number;
  private readonly rawEnd: number;
  private bodyTextCache: Lazy<string> = UNSET;
  private eventCache: Lazy<EventHeader | undefined> = UNSET;
  private subscriptionStateCache: Lazy<SubscriptionState | undefined> = UNSET;
  private contentTypeCache: Lazy<ContentType | undefined> = UNSET;

  /** @internal use {@link parseMessage} */
  protected constructor(parts: SipMessageParts) {
    this.headers = parts.headers;
    this.body = parts.body;
    this.data = parts.data;
    this.rawStart = parts.rawStart;
    this.rawEnd = parts.rawEnd;
    this.callId = parts.callId;
    this.cseq = parts.cseq;
    this.vias = parts.vias;
    this.from = parts.from;
    this.to = parts.to;
    this.contacts = parts.contacts;
    this.routes = parts.routes;
    this.recordRoutes = parts.recordRoutes;
    this.maxForwards = parts.maxForwards;
    this.contentLength = parts.contentLength;
  }

  /** The message octets from the start line to the end of the body (trailing datagram noise dropped). */
  get raw(): Buffer {
    return this.data.subarray(this.rawStart, this.rawEnd);
  }

  /** The topmost Via (transaction matching, response routing). */
  get topVia(): Via {
    return this.vias[0]!;
  }

  /** The From tag, or undefined (RFC 2543 peers may omit it). */
  get fromTag(): string | undefined {
    return tagOf(this.from);
  }

  /** The To tag, or undefined (out-of-dialog request). */
  get toTag(): string | undefined {
    return tagOf(this.to);
  }

  /** The body decoded as UTF-8 (decoded once, on first access). */
  get bodyText(): string {
    if (this.bodyTextCache === UNSET) this.bodyTextCache = this.body.toString("utf8");
    return this.bodyTextCache;
  }

  /** Event (or `o:`), parsed on first access. */
  get event(): EventHeader | undefined {
    if (this.eventCache === UNSET) {
      const v = this.headers.get("event");
      this.eventCache = v === undefined ? undefined : parseEvent(v);
    }
    return this.eventCache;
  }

  /** Subscription-State, parsed on first access (durations in seconds). */
  get subscriptionState(): SubscriptionState | undefined {
    if (this.subscriptionStateCache === UNSET) {
      const v = this.headers.get("subscription-state");
      this.subscriptionStateCache = v === undefined ? undefined : parseSubscriptionState(v);
    }
    return this.subscriptionStateCache;
  }

  /** Content-Type (or `c:`), parsed on first access. */
  get contentType(): ContentType | undefined {
    if (this.contentTypeCache === UNSET) {
      const v = this.headers.get("content-type");
      this.contentTypeCache = v === undefined ? undefined : parseContentType(v);
    }
    return this.contentTypeCache;
  }

  /** Expires in seconds, or undefined. */
  get expires(): number | undefined {
    const v = this.headers.get("expires");
    return v === undefined ? undefined : parseDeltaSeconds(v, "expires");
  }

  /** Min-Expires in seconds (423 responses), or undefined. */
  get minExpires(): number | undefined {
    const v = this.headers.get("min-expires");
    return v === undefined ? undefined : parseDeltaSeconds(v, "min-expires");
  }

  /** Retry-After (seconds, optional duration), or undefined. */
  get retryAfter(): RetryAfter | undefined {
    const v = this.headers.get("retry-after");
    return v === undefined ? undefined : parseRetryAfter(v);
  }

  /** Date, or undefined; throws {@link SipSyntaxError} for a non-GMT or malformed date. */
  get date(): Date | undefined {
    const v = this.headers.get("date");
    return v === undefined ? undefined : parseSipDate(v);
  }

  /** Option tags of every Supported (`k:`) line. */
  get supported(): string[] {
    return this.tokenList("supported");
  }

  /** Option tags of every Require line. */
  get require(): string[] {
    return this.tokenList("require");
  }

  /** Event types of every Allow-Events (`u:`) line. */
  get allowEvents(): string[] {
    return this.tokenList("allow-events");
  }

  /** Methods of every Allow line. */
  get allow(): string[] {
    return this.tokenList("allow");
  }

  private tokenList(key: string): string[] {
    const out: string[] = [];
    for (const line of this.headers.getAll(key)) out.push(...parseTokenList(line, key));
    return out;
  }
}

/** A received SIP request. */
export class SipRequest extends SipMessageBase {
  /** Discriminant of {@link SipMessage}. */
  readonly kind = "request" as const;
  /** The method token, case kept (`"NOTIFY"`). */
  readonly method: string;
  /** The Request-URI exactly as on the request line (also what digest auth must use as `uri`). */
  readonly requestUri: string;
  private uriCache: Lazy<Uri> = UNSET;

  /** @internal use {@link parseMessage} */
  constructor(method: string, requestUri: string, parts: SipMessageParts) {
    super(parts);
    this.method = method;
    this.requestUri = requestUri;
  }

  /** The Request-URI parsed (on first access). */
  get uri(): Uri {
    if (this.uriCache === UNSET) this.uriCache = parseUri(this.requestUri);
    return this.uriCache;
  }
}

/** A received SIP response. */
export class SipResponse extends SipMessageBase {
  /** Discriminant of {@link SipMessage}. */
  readonly kind = "response" as const;
  /** Status code, 100–699. */
  readonly status: number;
  /** Reason phrase as received (may be empty, may hold UTF-8). */
  readonly reason: string;

  /** @internal use {@link parseMessage} */
  constructor(status: number, reason: string, parts: SipMessageParts) {
    super(parts);
    this.status = status;
    this.reason = reason;
  }

  /**
   * The challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), in header order,
   * several per line and several lines combined. Empty for other responses.
   */
  get challenges(): AuthChallenge[] {
    const key = this.status === 407 ? "proxy-authenticate" : this.status === 401 ? "www-authenticate" : undefined;
    if (key === undefined) return [];
    const out: AuthChallenge[] = [];
    for (const line of this.headers.getAll(key)) out.push(...parseChallenges(line, key));
    return out;
  }
}

/** A parsed SIP message: narrow with `message.kind`. */
export type SipMessage = SipRequest | SipResponse;

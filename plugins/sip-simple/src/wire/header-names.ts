/**
 * Header field names: compact-form expansion and canonical spelling.
 *
 * Every header is looked up by its *key*: the lower-case long form (`"call-id"`, `"event"`).
 * Compact forms are expanded once, when the message is parsed, so nothing above this layer has
 * to know that `o` means Event (sip.js does not, and answers such NOTIFYs with 489).
 */

/**
 * Compact forms: RFC 3261 §7.3.3 (i m e l c f s k t v), RFC 6665 (o = Event, u = Allow-Events),
 * RFC 4028 (x = Session-Expires), RFC 3515 (r = Refer-To), RFC 3892 (b = Referred-By).
 */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  s: "subject",
  k: "supported",
  t: "to",
  v: "via",
  o: "event",
  u: "allow-events",
  x: "session-expires",
  r: "refer-to",
  b: "referred-by",
};

const CANONICAL: Readonly<Record<string, string>> = {
  accept: "Accept",
  "accept-encoding": "Accept-Encoding",
  "allow": "Allow",
  "allow-events": "Allow-Events",
  authorization: "Authorization",
  "call-id": "Call-ID",
  contact: "Contact",
  "content-disposition": "Content-Disposition",
  "content-encoding": "Content-Encoding",
  "content-length": "Content-Length",
  "content-type": "Content-Type",
  cseq: "CSeq",
  date: "Date",
  event: "Event",
  expires: "Expires",
  from: "From",
  "max-forwards": "Max-Forwards",
  "min-expires": "Min-Expires",
  "proxy-authenticate": "Proxy-Authenticate",
  "proxy-authorization": "Proxy-Authorization",
  "proxy-require": "Proxy-Require",
  "record-route": "Record-Route",
  "refer-to": "Refer-To",
  "referred-by": "Referred-By",
  require: "Require",
  "retry-after": "Retry-After",
  route: "Route",
  server: "Server",
  "session-expires": "Session-Expires",
  subject: "Subject",
  "subscription-state": "Subscription-State",
  supported: "Supported",
  to: "To",
  unsupported: "Unsupported",
  "user-agent": "User-Agent",
  via: "Via",
  warning: "Warning",
  "www-authenticate": "WWW-Authenticate",
};

/** Known keys grouped by length: matching a received name against a few candidates is cheaper than hashing it. */
const KEYS_BY_LENGTH: string[][] = [];
for (const key of Object.keys(CANONICAL)) (KEYS_BY_LENGTH[key.length] ??= []).push(key);

const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 512;

/**
 * The lookup key for a header name as written on the wire or by a caller: lower-cased, with a
 * compact form expanded (`"O"` → `"event"`, `"Call-ID"` → `"call-id"`).
 *
 * Known names are matched without allocating; other spellings are memoised (bounded).
 */
export function headerKey(name: string): string {
  const len = name.length;
  if (len === 1) {
    const lower = name.toLowerCase();
    return COMPACT_FORMS[lower] ?? lower;
  }
  const candidates = KEYS_BY_LENGTH[len];
  if (candidates !== undefined) {
    for (let i = 0; i < candidates.length; i++) if (sameLowerCase(name, candidates[i]!)) return candidates[i]!;
  }
  let key = keyCache.get(name);
  if (key !== undefined) return key;
  key = name.toLowerCase();
  if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(name, key);
  return key;
}

/** True when `name` equals the lower-case `key` ignoring ASCII case (same length assumed). */
function sameLowerCase(name: string, key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== key.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The conventional spelling of a header for output (`"call-id"` → `"Call-ID"`); unknown
 * headers are title-cased per dash-separated word.
 */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const known = CANONICAL[key];
  if (known !== undefined) return known;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

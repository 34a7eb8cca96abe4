/**
 * fast-check arbitraries for SIP (RFC 3261 grammar, the parts a presence watcher receives):
 * URIs, name-addrs, Via values, auth challenges and whole messages, valid by construction so
 * round trips can be checked, and broken by {@link mutated} for the rejection paths.
 */
import fc from "fast-check";

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";
const UNRESERVED_USER = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()&=+$,;?/";

const charsFrom = (chars: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });

/** An RFC 3261 token. */
export const token = charsFrom(TOKEN_CHARS, 1, 12);
/** A lower-case alphanumeric word (parameter names, labels). */
export const word = charsFrom("abcdefghijklmnopqrstuvwxyz0123456789", 1, 10);

/** A host: a name, an IPv4 address or a bracketed IPv6 reference. */
export const host: fc.Arbitrary<string> = fc.oneof(
  fc.domain({ size: "small" }),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
);

const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const uriParam = fc.tuple(word, fc.option(word, { nil: null })).map(([n, v]) => (v === null ? `;${n}` : `;${n}=${v}`));

/** A user part, %-escaping included. */
export const user = fc.oneof(
  charsFrom(UNRESERVED_USER.replace(/[;?]/g, ""), 1, 16),
  fc.stringMatching(/^\+?[0-9]{1,15}$/),
  fc.tuple(word, fc.constantFrom("%20", "%40", "%C3%A9", "%3B")).map(([a, b]) => a + b),
);

/** A sip:/sips: URI as text. */
export const sipUri: fc.Arbitrary<string> = fc
  .record({
    scheme: fc.constantFrom("sip", "sips", "SIP"),
    user: fc.option(user, { nil: undefined }),
    host,
    port,
    params: fc.array(uriParam, { maxLength: 3 }),
    headers: fc.array(fc.tuple(word, word).map(([n, v]) => `${n}=${v}`), { maxLength: 2 }),
  })
  .map((u) => `${u.scheme}:${u.user !== undefined ? `${u.user}@` : ""}${u.host}${u.port !== undefined ? `:${u.port}` : ""}${u.params.join("")}${u.headers.length ? `?${u.headers.join("&")}` : ""}`);

/** A tel: URI. */
export const telUri = fc.tuple(fc.stringMatching(/^\+?[0-9][0-9-]{0,14}$/), fc.array(uriParam, { maxLength: 2 })).map(([n, p]) => `tel:${n}${p.join("")}`);

/** Any URI the parser claims to handle. */
export const anyUri = fc.oneof({ weight: 4, arbitrary: sipUri }, { weight: 1, arbitrary: telUri }, { weight: 1, arbitrary: fc.webUrl() });

/** A quoted-string body (escapes included), without the quotes. */
const quotedContent = fc.string({ maxLength: 20, unit: fc.constantFrom(...Array.from("abc XYZ 123-é😀"), "\\\"", "\\\\") });

/** A name-addr (From/To/Contact) with a tag. */
export const nameAddr: fc.Arbitrary<string> = fc
  .record({
    display: fc.oneof(fc.constant(""), quotedContent.map((d) => `"${d}" `), token.map((t) => `${t} `)),
    uri: sipUri.filter((u) => !u.includes("?") || true),
    tag: token,
    params: fc.array(uriParam, { maxLength: 2 }),
  })
  .map((a) => `${a.display}<${a.uri}>;tag=${a.tag}${a.params.join("")}`);

/** One Via value. */
export const via: fc.Arbitrary<string> = fc
  .record({ transport: fc.constantFrom("UDP", "TCP", "TLS", "udp"), host, port, branch: token, rport: fc.boolean(), params: fc.array(uriParam, { maxLength: 2 }) })
  .map((v) => `SIP/2.0/${v.transport} ${v.host}${v.port !== undefined ? `:${v.port}` : ""};branch=z9hG4bK${v.branch}${v.rport ? ";rport" : ""}${v.params.join("")}`);

/** A Digest challenge value (WWW-Authenticate / Proxy-Authenticate). */
export const digestChallenge: fc.Arbitrary<string> = fc
  .record({
    realm: quotedContent,
    nonce: charsFrom(TOKEN_CHARS, 1, 40),
    algorithm: fc.option(fc.constantFrom("MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "md5", "SHA-1", "AKAv1-MD5"), { nil: undefined }),
    qop: fc.option(fc.constantFrom("auth", "auth-int", "auth,auth-int", "auth-conf", ""), { nil: undefined }),
    opaque: fc.option(charsFrom(TOKEN_CHARS, 0, 20), { nil: undefined }),
    stale: fc.option(fc.constantFrom("true", "false", "TRUE"), { nil: undefined }),
  })
  .map((c) =>
    [
      `Digest realm="${c.realm}"`,
      `nonce="${c.nonce}"`,
      c.algorithm !== undefined ? `algorithm=${c.algorithm}` : null,
      c.qop !== undefined ? `qop="${c.qop}"` : null,
      c.opaque !== undefined ? `opaque="${c.opaque}"` : null,
      c.stale !== undefined ? `stale=${c.stale}` : null,
    ]
      .filter((p) => p !== null)
      .join(", "),
  );

/** Header lines a presence NOTIFY or SUBSCRIBE answer may carry beyond the mandatory ones. */
const optionalHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom("Event", "o"), fc.tuple(fc.constantFrom("presence", "dialog", "presence.winfo", "as-feature-event"), fc.option(token, { nil: undefined })).map(([e, id]) => (id ? `${e};id=${id}` : e))),
  fc.tuple(fc.constant("Subscription-State"), fc.tuple(fc.constantFrom("active", "pending", "terminated"), fc.nat({ max: 100000 }), fc.constantFrom("", ";reason=timeout", ";reason=noresource", ";retry-after=30")).map(([s, e, r]) => `${s};expires=${e}${r}`)),
  fc.tuple(fc.constantFrom("Content-Type", "c"), fc.constantFrom("application/pidf+xml", "application/dialog-info+xml", 'multipart/related;type="application/rlmi+xml";boundary=xyz', "text/plain;charset=utf-8")),
  fc.tuple(fc.constant("Expires"), fc.nat({ max: 4294967295 }).map(String)),
  fc.tuple(fc.constant("Retry-After"), fc.tuple(fc.nat({ max: 100000 }), fc.constantFrom("", " (busy)", ";duration=60")).map(([s, c]) => `${s}${c}`)),
  fc.tuple(fc.constant("WWW-Authenticate"), digestChallenge),
  fc.tuple(fc.constantFrom("Contact", "m"), sipUri.map((u) => `<${u}>`)),
  fc.tuple(fc.constant("Record-Route"), sipUri.map((u) => `<${u};lr>`)),
  fc.tuple(fc.constantFrom("Supported", "k"), fc.array(token, { minLength: 1, maxLength: 3 }).map((t) => t.join(", "))),
  fc.tuple(fc.constant("Date"), fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }).map((d) => d.toUTCString())),
  fc.tuple(token.map((t) => `X-${t}`), fc.string({ maxLength: 40, unit: fc.constantFrom(..."abc xyz,;=<>\"'é0123".split("")) }).map((s) => s.trim())),
);

/** A request as the serializer takes it (without Content-Length). */
export interface GeneratedRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: [string, string][];
  readonly body: string;
}

/** A NOTIFY/SUBSCRIBE/OPTIONS request, valid by construction. */
export const request: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    method: fc.constantFrom("NOTIFY", "SUBSCRIBE", "OPTIONS", "MESSAGE", "INFO"),
    uri: sipUri.map((u) => u.replace(/\?.*$/, "")),
    vias: fc.array(via, { minLength: 1, maxLength: 3 }),
    from: nameAddr,
    to: nameAddr,
    callId: fc.tuple(charsFrom(TOKEN_CHARS, 1, 30), fc.option(host, { nil: undefined })).map(([a, h]) => (h ? `${a}@${h}` : a)),
    cseq: fc.nat({ max: 4294967295 }),
    maxForwards: fc.nat({ max: 255 }),
    extra: fc.array(optionalHeader, { maxLength: 6 }),
    body: fc.oneof(fc.constant(""), fc.string({ maxLength: 300, unit: "grapheme" })),
  })
  .map((r) => ({
    method: r.method,
    uri: r.uri,
    headers: [
      ...r.vias.map((v) => ["Via", v] as [string, string]),
      ["Max-Forwards", String(r.maxForwards)],
      ["From", r.from],
      ["To", r.to],
      ["Call-ID", r.callId],
      ["CSeq", `${r.cseq} ${r.method}`],
      ...r.extra,
    ],
    body: r.body,
  }));

/** A response to a SUBSCRIBE, valid by construction, with its parts. */
export const response = fc
  .record({
    status: fc.integer({ min: 100, max: 699 }),
    reason: fc.string({ maxLength: 30, unit: fc.constantFrom(..."OK Trying Bad Event Interval Too Brief é".split("")) }),
    via,
    from: nameAddr,
    to: nameAddr,
    callId: charsFrom(TOKEN_CHARS, 1, 30),
    cseq: fc.nat({ max: 4294967295 }),
    extra: fc.array(optionalHeader, { maxLength: 5 }),
  })
  .map((r) => ({
    status: r.status,
    reason: r.reason,
    headers: [["Via", r.via], ["From", r.from], ["To", r.to], ["Call-ID", r.callId], ["CSeq", `${r.cseq} SUBSCRIBE`], ...r.extra] as [string, string][],
  }));

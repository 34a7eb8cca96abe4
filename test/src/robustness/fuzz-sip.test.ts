import { expect } from "chai";
import fc from "fast-check";
import {
  DigestAuthenticator,
  SipHeaders,
  SipParseError,
  SipSyntaxError,
  StreamFramer,
  createResponse,
  digestResponse,
  formatNameAddr,
  formatUri,
  formatVia,
  parseChallenges,
  parseContact,
  parseContentType,
  parseCredentials,
  parseCSeq,
  parseDeltaSeconds,
  parseEvent,
  parseMessage,
  parseNameAddr,
  parseNameAddrList,
  parseRetryAfter,
  parseSipDate,
  parseSubscriptionState,
  parseTokenList,
  parseUri,
  parseVia,
  serializeRequest,
  serializeResponse,
  uriEquals,
  type SipMessage,
} from "@presence-hub/plugin-sip-simple/wire";
import { fuzzParser, junkBytes, junkText, mutated, runs, type Verdict } from "./fuzz.js";
import { anyUri, digestChallenge, nameAddr, request, response, via } from "./sip-arbitraries.js";

/**
 * Property-based fuzzing of the SIP wire layer: every byte a PBX or an attacker can send the
 * connector goes through parseMessage (UDP datagrams), StreamFramer (TCP/TLS), the header
 * parsers, parseUri and the digest client. Figures go to the robustness report.
 */
describe("Robustness: fuzzing the SIP wire layer", function () {
  this.timeout(180_000);

  const PARSE_CODES = new Set(["empty", "too-large", "incomplete", "bad-start-line", "bad-version", "bad-header-line", "missing-header", "duplicate-header", "bad-header", "bad-cseq", "cseq-method-mismatch", "bad-content-length", "truncated-body", "internal"]);

  /** Every lazy accessor of a parsed message: each returns, or throws SipSyntaxError (the receiver answers 400). */
  function touchAccessors(m: SipMessage): void {
    const getters = [() => m.raw, () => m.topVia, () => m.fromTag, () => m.toTag, () => m.bodyText, () => m.event, () => m.subscriptionState, () => m.contentType, () => m.expires, () => m.minExpires, () => m.retryAfter, () => m.date, () => m.supported, () => m.require, () => m.allowEvents, () => m.allow, () => (m.kind === "request" ? m.uri : m.challenges)];
    for (const get of getters) {
      try {
        get();
      } catch (e) {
        if (!(e instanceof SipSyntaxError)) throw e;
      }
    }
  }

  /** The parser's verdict on one datagram, with the properties every refusal must have. */
  function parseVerdict(data: Buffer): Verdict {
    const r = parseMessage(data);
    if (r.ok) {
      touchAccessors(r.message);
      return "accepted";
    }
    const e = r.error;
    expect(e).to.be.instanceOf(SipParseError);
    // A parser bug shows as "internal": the fuzzer must never find one.
    expect(e.code, e.message).to.not.equal("internal");
    expect(PARSE_CODES.has(e.code), e.code).to.equal(true);
    expect([400, 505, 513]).to.include(e.status);
    expect(e.message.length).to.be.greaterThan(0);
    if (e.canRespond && !copiesTheFault(e)) {
      // The stateless answer to a refused request is itself valid SIP the peer can parse
      // (unless the fault is in a header every answer must copy: RFC 4475 still wants the 400).
      const answer = parseMessage(serializeResponse(createResponse(e.request!, e.status, { reason: e.reason })));
      expect(answer.ok, answer.ok ? "" : answer.error.message).to.equal(true);
    }
    return "rejected";
  }

  /**
   * Whether a header the answer must copy (RFC 3261 §8.2.6: Via, From, To, Call-ID, CSeq) is
   * itself malformed: the parser stops at the first fault, so another one may lurk there, and
   * RFC 4475 still wants the 400 sent, fault and all.
   */
  function copiesTheFault(e: SipParseError): boolean {
    const h = e.request!.headers;
    try {
      for (const v of h.getAll("via")) parseVia(v);
      parseNameAddr(h.get("from")!);
      parseNameAddr(h.get("to")!);
      parseCSeq(h.get("cseq")!);
      return /[\x00-\x20]/.test(h.get("call-id")!) || h.get("call-id") === "";
    } catch {
      return true;
    }
  }

  const serialized = request.map((r) => serializeRequest(r).toString("utf8"));

  it("parseMessage (UDP datagrams): random bytes, valid and mutated messages — no crash, typed refusals, answerable 400s", () => {
    fuzzParser("sip parseMessage (udp)", fc.oneof(junkBytes.map((b) => Buffer.from(b)), mutated(serialized).map((s) => Buffer.from(s, "utf8")), mutated(response.map((r) => serializeResponse(r).toString())).map((s) => Buffer.from(s, "utf8"))), parseVerdict);
  });

  it("parseMessage round-trips what the serializer writes (method, URI, every header, body bytes)", () => {
    fuzzParser("sip serialize->parse round trip", request, (r) => {
      const data = serializeRequest(r);
      const parsed = parseMessage(data);
      expect(parsed.ok, parsed.ok ? "" : parsed.error.message).to.equal(true);
      if (!parsed.ok || parsed.message.kind !== "request") throw new Error("not a request");
      const m = parsed.message;
      expect(m.method).to.equal(r.method);
      expect(m.requestUri).to.equal(r.uri);
      for (const [name, value] of r.headers) expect(m.headers.getAll(name)).to.include(value.trim());
      expect(m.body.equals(Buffer.from(r.body, "utf8"))).to.equal(true);
      touchAccessors(m);
      return "accepted";
    });
  });

  it("StreamFramer (TCP): messages and keep-alives split at any points come out whole and in order", () => {
    const stream = fc.record({
      messages: fc.array(request.map((r) => serializeRequest(r)), { minLength: 1, maxLength: 4 }),
      pings: fc.array(fc.boolean(), { maxLength: 4 }),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
    });
    fuzzParser(
      "sip StreamFramer (tcp) round trip",
      stream,
      ({ messages, pings, cuts }) => {
        const parts: Buffer[] = [];
        messages.forEach((m, i) => {
          if (pings[i]) parts.push(Buffer.from("\r\n\r\n"));
          parts.push(m);
        });
        const all = Buffer.concat(parts);
        const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const framer = new StreamFramer();
        const out: Buffer[] = [];
        let last = 0;
        for (const p of [...points, all.length]) {
          for (const ev of framer.push(all.subarray(last, p))) {
            expect(ev.kind).to.not.equal("broken");
            if (ev.kind === "message") out.push(Buffer.from(ev.data));
          }
          last = p;
        }
        expect(out.map((b) => b.toString("latin1"))).to.deep.equal(messages.map((b) => b.toString("latin1")));
        expect(framer.buffered).to.equal(0);
        return "accepted";
      },
      { sizeOf: (s) => s.messages.reduce((n, m) => n + m.length, 0) },
    );
  });

  it("StreamFramer (TCP): hostile byte streams never throw, never buffer past the limits, and end broken at worst", () => {
    const chunks = fc.array(fc.oneof(junkBytes.map((b) => Buffer.from(b)), mutated(serialized).map((s) => Buffer.from(s))), { minLength: 1, maxLength: 8 });
    fuzzParser(
      "sip StreamFramer (tcp) hostile",
      chunks,
      (list) => {
        const framer = new StreamFramer({ maxHeaderBytes: 4096, maxBodyBytes: 8192 });
        let broken = false;
        for (const chunk of list) {
          for (const ev of framer.push(chunk)) {
            if (ev.kind === "broken") {
              expect(["header-too-large", "body-too-large", "bad-content-length"]).to.include(ev.error.reason);
              broken = true;
            } else if (ev.kind === "message") {
              parseVerdict(ev.data);
            }
          }
          expect(framer.buffered).to.be.at.most(4096 + 8192 + chunk.length);
        }
        return broken ? "rejected" : "accepted";
      },
      { sizeOf: (l) => l.reduce((n, c) => n + c.length, 0) },
    );
  });

  /** Runs a header parser: a value, or SipSyntaxError with a message. Anything else fails. */
  function headerVerdict(parse: () => unknown): Verdict {
    try {
      parse();
      return "accepted";
    } catch (e) {
      if (!(e instanceof SipSyntaxError)) throw e;
      expect(e.message.length).to.be.greaterThan(0);
      return "rejected";
    }
  }

  it("header parsers: Via, From/To, Contact, CSeq, Event, Subscription-State, Content-Type, Expires, Retry-After, Supported, Date", () => {
    const parsers: [string, (v: string) => unknown, fc.Arbitrary<string>][] = [
      ["Via", parseVia, via],
      ["From/To (name-addr)", (v) => parseNameAddr(v, "from"), nameAddr],
      ["Route (name-addr list)", (v) => parseNameAddrList(v, "route"), fc.array(nameAddr, { minLength: 1, maxLength: 3 }).map((l) => l.join(", "))],
      ["Contact", parseContact, fc.oneof(nameAddr, fc.constant("*"))],
      ["CSeq", parseCSeq, fc.tuple(fc.nat(), fc.constantFrom("NOTIFY", "SUBSCRIBE")).map(([n, m]) => `${n} ${m}`)],
      ["Event", parseEvent, fc.constantFrom("presence", "dialog;id=1", "presence.winfo", "as-feature-event;sla")],
      ["Subscription-State", parseSubscriptionState, fc.constantFrom("active;expires=3600", "terminated;reason=noresource", "pending", "terminated;retry-after=99999999999")],
      ["Content-Type", parseContentType, fc.constantFrom('multipart/related;type="application/rlmi+xml";start="<a@b>";boundary="--x"', "application/pidf+xml;charset=ISO-8859-1")],
      ["Expires", (v) => parseDeltaSeconds(v), fc.nat().map(String)],
      ["Retry-After", parseRetryAfter, fc.constantFrom("18000;duration=3600", "120 (I'm in a meeting)", "4294967295")],
      ["Supported", parseTokenList, fc.constantFrom("eventlist, 100rel", "")],
      ["Date", parseSipDate, fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())],
    ];
    for (const [name, parse, valid] of parsers) {
      fuzzParser(`sip header ${name}`, fc.oneof(mutated(valid), junkText), (v) => headerVerdict(() => parse(v)), { numRuns: runs(0.25) });
    }
  });

  it("header round trips: Via and name-addr format back to values that parse the same", () => {
    fuzzParser("sip Via/name-addr round trip", fc.tuple(via, nameAddr), ([v, n]) => {
      const parsedVia = parseVia(v)[0]!;
      const again = parseVia(formatVia(parsedVia))[0]!;
      expect({ ...again, params: [...again.params] }).to.deep.equal({ ...parsedVia, params: [...parsedVia.params] });
      const addr = parseNameAddr(n);
      const addrAgain = parseNameAddr(formatNameAddr(addr));
      expect(addrAgain.displayName ?? "").to.equal(addr.displayName ?? "");
      expect(addrAgain.uri).to.equal(addr.uri);
      expect([...addrAgain.params]).to.deep.equal([...addr.params]);
      return "accepted";
    });
  });

  it("parseUri: no crash on junk; valid URIs format back to the text they came from (scheme case aside) and compare equal", () => {
    fuzzParser("sip parseUri", fc.oneof(mutated(anyUri), junkText), (text) => {
      let uri;
      try {
        uri = parseUri(text);
      } catch (e) {
        if (!(e instanceof SipSyntaxError)) throw e;
        return "rejected";
      }
      // Scheme and parameter names come back lower-cased; everything else byte for byte.
      const formatted = formatUri(uri);
      expect(formatted.toLowerCase()).to.equal(text.toLowerCase());
      expect(uriEquals(uri, parseUri(formatted))).to.equal(true);
      return "accepted";
    });
  });

  it("digest: challenges parse (quoted commas included); the authenticator answers or refuses with a reason, and its answer verifies", () => {
    const headerSets = fc.array(fc.oneof(digestChallenge, mutated(digestChallenge), junkText), { minLength: 1, maxLength: 3 });
    fuzzParser("sip digest challenges", fc.tuple(headerSets, fc.constantFrom(401, 407)), ([challenges, status]) => {
      for (const c of challenges) headerVerdict(() => parseChallenges(c));
      const auth = new DigestAuthenticator({ username: "hub", password: "s3cret" }, { cnonce: () => "cnonce0" });
      const headers = new SipHeaders();
      for (const c of challenges) headers.add(status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate", c);
      const outcome = auth.handleChallenge({ status, headers }, { headers: [] });
      if (!outcome.ok) {
        expect(["unsupported", "rejected", "stale-again", "malformed"]).to.include(outcome.reason);
        expect(outcome.detail.length).to.be.greaterThan(0);
        return "rejected";
      }
      // The Authorization we send verifies against an independent computation of RFC 7616.
      const request = { method: "SUBSCRIBE", uri: "sip:alice@example.com", body: "" };
      for (const [, value] of auth.authorize(request)) {
        const creds = parseCredentials(value).params;
        const p = (n: string) => creds.get(n) ?? undefined;
        const expected = digestResponse({
          algorithm: (p("algorithm") ?? "MD5") as "MD5",
          username: "hub",
          password: "s3cret",
          realm: p("realm")!,
          nonce: p("nonce")!,
          cnonce: p("cnonce"),
          nc: p("nc"),
          qop: p("qop") as "auth" | undefined,
          method: request.method,
          uri: request.uri,
          body: request.body,
        });
        expect(p("response")).to.equal(expected);
      }
      return "accepted";
    });
  });
});

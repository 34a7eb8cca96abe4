import { expect } from "chai";

import {
  Params,
  SipSyntaxError,
  parseChallenges,
  parseContact,
  parseContentType,
  parseCSeq,
  parseDeltaSeconds,
  parseEvent,
  parseNameAddr,
  parseNameAddrList,
  parseRetryAfter,
  parseSipDate,
  parseSubscriptionState,
  parseTokenList,
  parseVia,
  formatNameAddr,
  formatVia,
  formatSipDate,
} from "./header-parsers.js";

describe("header parsers", () => {
  describe("Via", () => {
    it("parses protocol, sent-by and the well-known parameters", () => {
      const [v] = parseVia("SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKabc;received=198.51.100.7;rport=40000;maddr=239.1.1.1;ttl=16");
      expect(v).to.deep.include({
        protocol: "SIP/2.0",
        transport: "UDP",
        host: "192.0.2.10",
        hostType: "ipv4",
        port: 5062,
        branch: "z9hG4bKabc",
        received: "198.51.100.7",
        rport: 40000,
        maddr: "239.1.1.1",
        ttl: 16,
      });
      expect(parseVia("SIP/2.0/TCP host.example.com;rport;branch=z9hG4bK1")[0]!.rport).to.equal(true);
      expect(parseVia("SIP/2.0/TCP host.example.com")[0]!.rport).to.equal(undefined);
    });

    it("splits comma-separated values and tolerates LWS around separators", () => {
      const vias = parseVia("SIP  / 2.0  / TCP     spindle.example.com   ;   branch  =   z9hG4bK9ikj8  , SIP / 2.0 / UDP  192.168.255.111   ; branch= z9hG4bK30239");
      expect(vias.map((v) => [v.transport, v.host, v.branch])).to.deep.equal([
        ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
        ["UDP", "192.168.255.111", "z9hG4bK30239"],
      ]);
    });

    it("handles IPv6 sent-by and received with or without brackets (RFC 5118 §4.5)", () => {
      const [a] = parseVia("SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3;received=[2001:db8::9:255]");
      expect([a!.host, a!.hostType, a!.port, a!.received]).to.deep.equal(["2001:db8::9:1", "ipv6", 5060, "2001:db8::9:255"]);
      expect(parseVia("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3")[0]!.received).to.equal("2001:db8::9:255");
      expect(formatVia(a!)).to.equal("SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3;received=[2001:db8::9:255]");
    });

    it("rejects empty parameters and values (RFC 4475 §3.1.2.1) and other garbage", () => {
      const bads = ["SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP/2.0/UDP", "SIP/2.0 host", "SIP/2.0/UDP host;branch"];
      bads.push("SIP/2.0/UDP host;rport=x", "SIP/2.0/UDP host,", "SIP/2.0/UDP ho st");
      for (const bad of bads) {
        expect(() => parseVia(bad), bad).to.throw(SipSyntaxError);
      }
    });
  });

  describe("name-addr", () => {
    it("parses quoted and token display names, <uri> and params", () => {
      const a = parseNameAddr('"Alice \\"A\\" Example" <sip:alice@example.com;transport=tcp>;tag=abc;expires=60');
      expect(a.displayName).to.equal('Alice "A" Example');
      expect(a.uri).to.equal("sip:alice@example.com;transport=tcp");
      expect(a.params.get("tag")).to.equal("abc");
      expect(a.params.get("expires")).to.equal("60");
      expect(parseNameAddr("Bob Smith <sip:bob@example.com>").displayName).to.equal("Bob Smith");
      const spec = parseNameAddr("sip:carol@example.com;tag=9");
      expect([spec.uri, spec.params.get("tag"), spec.bracketed]).to.deep.equal(["sip:carol@example.com", "9", false]);
      expect(formatNameAddr(a)).to.equal('"Alice \\"A\\" Example" <sip:alice@example.com;transport=tcp>;tag=abc;expires=60');
    });

    it("does not split lists at commas inside quotes or <>", () => {
      const list = parseNameAddrList('"Doe, John" <sip:j@example.com;x=a,b>;q=0.7, <sip:k@example.com>;expires=30, sip:l@example.com');
      expect(list.map((c) => [c.displayName, c.uri, c.params.get("q") ?? c.params.get("expires")])).to.deep.equal([
        ["Doe, John", "sip:j@example.com;x=a,b", "0.7"],
        [undefined, "sip:k@example.com", "30"],
        [undefined, "sip:l@example.com", undefined],
      ]);
      expect(parseContact(" * ")).to.equal("*");
    });

    it("rejects RFC 4475's malformed forms", () => {
      for (const bad of [
        '"Mr. J. User <sip:j.user@example.com>', // quotbal
        '"Watson, Thomas" < sip:t.watson@example.org >', // badaspec
        "Bell, Alexander <sip:a.g.bell@example.com>;tag=43", // baddn
        "sip:user@example.com?Route=%3Csip:sip.example.com%3E", // regbadct
        '"Joe" <sip:joe@example.org>;;;;', // badinv01
        "<sip:a@b", // unterminated
        "not a uri",
      ]) {
        expect(() => parseNameAddr(bad), bad).to.throw(SipSyntaxError);
      }
    });
  });

  it("CSeq", () => {
    expect(parseCSeq("0009  INVITE")).to.deep.equal({ seq: 9, method: "INVITE" });
    expect(parseCSeq("4294967295 NOTIFY").seq).to.equal(4294967295);
    for (const bad of ["4294967296 NOTIFY", "-1 NOTIFY", "1", "x NOTIFY", "1 NOT IFY"]) expect(() => parseCSeq(bad), bad).to.throw(SipSyntaxError);
  });

  it("Event, with id and template packages", () => {
    const e = parseEvent("presence;id=1");
    expect([e.type, e.package, e.id]).to.deep.equal(["presence", "presence", "1"]);
    const w = parseEvent("presence.winfo");
    expect([w.package, w.templates]).to.deep.equal(["presence", ["winfo"]]);
    expect(parseEvent("dialog ; sla").params.has("sla")).to.equal(true);
    expect(() => parseEvent(";id=1")).to.throw(SipSyntaxError);
  });

  it("Subscription-State: numbers in seconds", () => {
    expect(parseSubscriptionState("Active;expires=600")).to.deep.include({ state: "active", expires: 600 });
    expect(parseSubscriptionState('terminated;reason=Probation;retry-after=30')).to.deep.include({
      state: "terminated",
      reason: "probation",
      retryAfter: 30,
      expires: undefined,
    });
    expect(() => parseSubscriptionState("active;expires=soon")).to.throw(SipSyntaxError);
  });

  it("Content-Type with quoted parameters", () => {
    const c = parseContentType('multipart/related;type="application/rlmi+xml";start="<nXYxAE@pres.vancouver.example.com>";boundary="50UBfW7LSCVLtggUPe5z"');
    expect([c.type, c.subtype, c.mediaType]).to.deep.equal(["multipart", "related", "multipart/related"]);
    expect(c.parameters.get("type")).to.equal("application/rlmi+xml");
    expect(c.parameters.get("start")).to.equal("<nXYxAE@pres.vancouver.example.com>");
    expect(c.parameters.get("boundary")).to.equal("50UBfW7LSCVLtggUPe5z");
    expect(parseContentType("Application/PIDF+XML; charset=UTF-8").mediaType).to.equal("application/pidf+xml");
    expect(() => parseContentType("text")).to.throw(SipSyntaxError);
  });

  it("Expires, Min-Expires, Retry-After, token lists, Date", () => {
    expect(parseDeltaSeconds(" 3600 ")).to.equal(3600);
    expect(() => parseDeltaSeconds("1" + "0".repeat(100))).to.throw(SipSyntaxError);
    expect(parseRetryAfter("18000;duration=3600")).to.deep.include({ seconds: 18000, duration: 3600 });
    expect(parseRetryAfter("120 (I'm in a meeting)").comment).to.equal("I'm in a meeting");
    expect(parseTokenList("eventlist, 100rel ,, timer")).to.deep.equal(["eventlist", "100rel", "timer"]);
    const d = parseSipDate("Sat, 13 Nov 2010 23:29:00 GMT");
    expect(d.toISOString()).to.equal("2010-11-13T23:29:00.000Z");
    expect(formatSipDate(d)).to.equal("Sat, 13 Nov 2010 23:29:00 GMT");
    expect(() => parseSipDate("Fri, 01 Jan 2010 16:00:00 EST")).to.throw(SipSyntaxError);
  });

  it("WWW-Authenticate: several challenges, commas inside quoted values", () => {
    const cs = parseChallenges(
      'Digest realm="atlanta.example.com", qop="auth,auth-int", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=SHA-256, ' +
        'Digest realm="atlanta.example.com", nonce="x,y", algorithm=MD5, stale=TRUE',
    );
    expect(cs).to.have.length(2);
    expect(cs[0]!.params.get("qop")).to.equal("auth,auth-int");
    expect(cs[1]!.params.get("nonce")).to.equal("x,y");
    expect(cs[1]!.params.get("stale")).to.equal("TRUE");
    const mixed = parseChallenges('Negotiate YII=, Basic realm="x"');
    expect(mixed.map((c) => [c.scheme, c.token68])).to.deep.equal([
      ["Negotiate", "YII="],
      ["Basic", undefined],
    ]);
    expect(() => parseChallenges('Digest realm="x')).to.throw(SipSyntaxError);
    expect(() => parseChallenges("realm=x")).to.throw(SipSyntaxError);
  });

  it("Params formats values that need quoting", () => {
    expect(Params.of([["tag", "abc"], ["lr", null], ["note", "two words"]]).toString()).to.equal(';tag=abc;lr;note="two words"');
  });
});

import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { parseMessage, type ParseOptions, type SipParseErrorCode } from "./parse-message.js";
import type { SipMessage, SipRequest, SipResponse } from "./sip-message.js";
import { SipSyntaxError } from "./syntax.js";

const FIXTURES = new URL("../../test-fixtures/wire/rfc4475/", import.meta.url);
const fixture = (path: string): Buffer => readFileSync(new URL(path, FIXTURES));

function ok(data: Buffer | string, options?: ParseOptions): SipMessage {
  const r = parseMessage(typeof data === "string" ? Buffer.from(data, "utf8") : data, options);
  if (!r.ok) throw new Error(`expected a message, got ${r.error.code}: ${r.error.message}`);
  return r.message;
}
const request = (data: Buffer | string, options?: ParseOptions): SipRequest => {
  const m = ok(data, options);
  expect(m.kind).to.equal("request");
  return m as SipRequest;
};
const response = (data: Buffer | string): SipResponse => {
  const m = ok(data);
  expect(m.kind).to.equal("response");
  return m as SipResponse;
};
function refused(data: Buffer | string, options?: ParseOptions) {
  const r = parseMessage(typeof data === "string" ? Buffer.from(data, "utf8") : data, options);
  if (r.ok) throw new Error("expected a refusal, got a message");
  return r.error;
}
const crlf = (...lines: string[]): string => lines.join("\r\n");

const NOTIFY_BODY = "<presence>Café</presence>";
/** A typical in-dialog presence NOTIFY: the hot path. */
const NOTIFY = crlf(
  "NOTIFY sip:hub@192.0.2.1:5070;transport=udp SIP/2.0",
  "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.a1b2c3;rport",
  "Max-Forwards: 70",
  "From: <sip:alice@example.com>;tag=srv-1",
  "To: <sip:hub@example.com>;tag=hub-9",
  "Call-ID: 3848276298220188511@hub",
  "CSeq: 102 NOTIFY",
  "Contact: <sip:192.0.2.10:5060>",
  "Event: presence;id=1",
  "Subscription-State: active;expires=3599",
  "Content-Type: application/pidf+xml",
  `Content-Length: ${Buffer.byteLength(NOTIFY_BODY)}`,
  "",
  NOTIFY_BODY,
);

describe("parseMessage: RFC 4475 §3.1.1 valid messages", () => {
  const hashes: Record<string, string> = {
    wsinv: "d6f6cdee99cd0a1f8e3d9a0fdd67c877700e19ab86d8186dada06f61260e3e61",
    intmeth: "b957a8292c1c0a9851fe94705b90f94320738f43aacde64998e401f742ef688d",
    esc01: "be3a316d4ce5f69cad474646191e390dd4b50fc8371e44b5197fe1237781973e",
    escnull: "263fe2ecd12a5ccbb6c67b3174e9211d11da9b600e7d69666a86d2ee42873e90",
    esc02: "9a9c59449f00327b02071feafc8e5c2a261c98c818044167894cc17809a12199",
    lwsdisp: "d1b36b6316c12824f6f04bf6b1fd1f021cade9b74871693b9c3474cd9fa7f4e6",
    longreq: "185739292bc676760e5b1cca77c87705aa570240171c506ad76f8c35af0ecdaa",
    dblreq: "a6be48426565c2a705389c4ce2ea17e57b891cb13f80490a2cb9392c797b46ef",
    semiuri: "87bbaed6b4b354dbd3c5c7a20e66686303c63e43a0aa19b89de1ac75231611a2",
    transports: "33b4553a3b9418121b099ff07882535151edd6a1e81898c63a916aad2cbf90bc",
    mpart01: "92147c8e24997bac59629e1b163767697d0d6d499af87f89e325d69968bec3ba",
    unreason: "4f939d6ebf4817eea70f011d3209e83732872ffc20ffd304b244084dc392f4d7",
    noreason: "07e11e470a69fffa3674de805e5165d1351a9439a91045ee70c9570ea24ab4fe",
  };

  for (const [name, hash] of Object.entries(hashes)) {
    it(`${name}: fixture is byte-exact and parses`, () => {
      const data = fixture(`valid/${name}.dat`);
      expect(createHash("sha256").update(data).digest("hex"), "fixture bytes changed").to.equal(hash);
      ok(data);
    });
  }

  it("wsinv (3.1.1.1): folding, LWS everywhere, mixed compact/long names, escaped quotes", () => {
    const m = request(fixture("valid/wsinv.dat"));
    expect(m.method).to.equal("INVITE");
    expect(m.requestUri).to.equal("sip:vivekg@chair-dnrc.example.com;unknownparam");
    expect(m.toTag).to.equal("1918181833n");
    expect(m.to.uri).to.equal("sip:vivekg@chair-dnrc.example.com");
    expect(m.from.displayName).to.equal('J Rosenberg \\"');
    expect(m.fromTag).to.equal("98asjd8");
    expect(m.maxForwards).to.equal(68);
    expect(m.cseq).to.deep.equal({ seq: 9, method: "INVITE" });
    expect(m.vias.map((v) => [v.transport, v.host, v.branch])).to.deep.equal([
      ["UDP", "192.0.2.2", "390skdjuw"],
      ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    expect(m.headers.get("Subject")).to.equal("");
    expect(m.headers.get("newfangledheader")).to.equal("newfangled value continued newfangled value");
    expect(m.headers.get("UnknownHeaderWithUnusualValue")).to.equal(";;,,;;,;");
    expect(m.routes.map((r) => r.uri)).to.deep.equal(["sip:services.example.com;lr;unknownwith=value;unknown-no-value"]);
    const contacts = m.contacts as NonNullable<typeof m.contacts>;
    expect(contacts).to.not.equal("*");
    const c = (contacts as readonly { displayName?: string; params: { get(n: string): unknown } }[])[0]!;
    expect(c.displayName).to.equal('Quoted string ""');
    expect(c.params.get("newparam")).to.equal("newvalue");
    expect(c.params.get("secondparam")).to.equal(null);
    expect(c.params.get("q")).to.equal("0.33");
    expect(m.contentType?.mediaType).to.equal("application/sdp");
    expect(m.body.length).to.equal(150);
  });

  it("intmeth (3.1.1.2): unusual method/URI characters, NUL in a quoted string, UTF-8 values", () => {
    const m = request(fixture("valid/intmeth.dat"));
    expect(m.method).to.equal("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.cseq.method).to.equal(m.method);
    expect(m.to.displayName).to.equal("BEL:\x07 NUL:\x00 DEL:\x7f");
    expect(m.from.displayName).to.equal("token1~` token2'+_ token3*%!.-");
    expect(m.from.params.get("fromparam''~+*_!.-%")).to.equal("работающий");
    expect(m.fromTag).to.equal("_token~1'+`*%!-.");
    expect(m.callId).to.equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).to.equal("\ufeff大停電");
    const uri = m.uri;
    expect(uri.kind).to.equal("sip");
    if (uri.kind === "sip") {
      expect(uri.user).to.equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(uri.password).to.equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      expect(uri.host).to.equal("example.com");
    }
  });

  it("esc01 / escnull / esc02 (3.1.1.3–5): % escapes only where the grammar has them", () => {
    const e1 = request(fixture("valid/esc01.dat"));
    expect(e1.callId).to.equal("esc01.239409asdfakjkn23onasd0-3234");
    expect(e1.contentType?.mediaType).to.equal("application/sdp");
    const nul = request(fixture("valid/escnull.dat"));
    expect((nul.contacts as readonly { uri: string }[]).map((c) => c.uri)).to.deep.equal([
      "sip:%00@host5.example.com",
      "sip:%00%00@host5.example.com",
    ]);
    expect(nul.contentLength).to.equal(0);
    const e2 = request(fixture("valid/esc02.dat"));
    expect(e2.method).to.equal("RE%47IST%45R");
    expect(e2.to.displayName).to.equal("%Z%45");
    expect((e2.contacts as readonly unknown[]).length).to.equal(2);
    expect(e2.headers.get("C%6Fntact")).to.equal("<sip:alias2@host2.example.com>");
  });

  it("lwsdisp, longreq, semiuri, transports (3.1.1.6, .7, .9, .10)", () => {
    expect(request(fixture("valid/lwsdisp.dat")).from.displayName).to.equal("caller");
    const long = request(fixture("valid/longreq.dat"));
    expect(long.vias).to.have.length(34);
    expect(long.vias[33]!.received).to.equal("192.0.2.5");
    expect(long.vias[33]!.branch).to.have.length(4 + 200 + 11);
    expect(long.to.uri.startsWith("sip:user@example.com:6000;unknownparam1=very")).to.equal(true);
    expect(long.fromTag).to.have.length(2 + 150 + 3);
    const semi = request(fixture("valid/semiuri.dat"));
    expect(semi.uri.kind === "sip" && semi.uri.user).to.equal("user;par=u%40example.net");
    expect(semi.headers.get("accept")).to.equal("application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag");
    expect(request(fixture("valid/transports.dat")).vias.map((v) => v.transport)).to.deep.equal(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
  });

  it("dblreq (3.1.1.8): octets after Content-Length in a datagram are ignored", () => {
    const data = fixture("valid/dblreq.dat");
    const m = request(data);
    expect(m.method).to.equal("REGISTER");
    expect(m.body.length).to.equal(0);
    expect(m.raw.toString("latin1").endsWith("Content-Length: 0\r\n\r\n")).to.equal(true);
    expect(m.raw.length).to.be.lessThan(data.length);
  });

  it("mpart01 (3.1.1.11): binary body with NUL and bare CR/LF framed by Content-Length bytes", () => {
    const m = request(fixture("valid/mpart01.dat"));
    expect(m.body.length).to.equal(553);
    expect(m.body.includes(0)).to.equal(true);
    expect(m.contentType?.parameters.get("boundary")).to.equal("7a9cbec02ceef655");
    expect(m.topVia.rport).to.equal(true);
    expect(m.topVia.port).to.equal(5070);
    expect(m.date?.toISOString()).to.equal("2005-10-15T04:44:56.000Z");
  });

  it("unreason / noreason (3.1.1.12, .13): UTF-8 reason phrase and empty reason phrase", () => {
    const u = response(fixture("valid/unreason.dat"));
    expect(u.status).to.equal(200);
    expect(u.reason).to.equal("= 2**3 * 5**2 но сто девяносто девять - простое");
    const n = response(fixture("valid/noreason.dat"));
    expect(n.status).to.equal(100);
    expect(n.reason).to.equal("");
    expect(n.maxForwards).to.equal(undefined);
  });
});

describe("parseMessage: RFC 4475 §3.1.2 invalid messages", () => {
  // [fixture, code, can answer?, status] — responses are never answered.
  const cases: [string, SipParseErrorCode, boolean, number][] = [
    ["badinv01", "bad-header", true, 400],
    ["clerr", "truncated-body", true, 400],
    ["ncl", "bad-content-length", true, 400],
    ["scalar02", "bad-cseq", true, 400],
    ["scalarlg", "bad-cseq", false, 400],
    ["quotbal", "bad-header", true, 400],
    ["ltgtruri", "bad-start-line", true, 400],
    ["lwsruri", "bad-start-line", true, 400],
    ["lwsstart", "bad-start-line", true, 400],
    ["trws", "bad-start-line", true, 400],
    ["escruri", "bad-start-line", true, 400],
    ["regbadct", "bad-header", true, 400],
    ["badaspec", "bad-header", true, 400],
    ["baddn", "incomplete", true, 400],
    ["badvers", "bad-version", true, 505],
    ["mismatch01", "cseq-method-mismatch", true, 400],
    ["mismatch02", "cseq-method-mismatch", true, 400],
    ["bigcode", "bad-start-line", false, 400],
  ];
  for (const [name, code, canRespond, status] of cases) {
    it(`${name}: refused as ${code}${canRespond ? `, answerable with ${status}` : ", dropped"}`, () => {
      const e = refused(fixture(`invalid/${name}.dat`));
      expect(e.code).to.equal(code);
      expect(e.canRespond).to.equal(canRespond);
      expect(e.status).to.equal(status);
      expect(e.reason).to.be.a("string").and.not.equal("");
      if (canRespond) expect(e.request?.headers.get("call-id")).to.be.a("string");
    });
  }

  it("baddn with its header block terminated: refused for the unquoted display names", () => {
    const data = Buffer.concat([fixture("invalid/baddn.dat"), Buffer.from("\r\n")]);
    const e = refused(data);
    expect(e.code).to.equal("bad-header");
    expect(e.reason).to.equal("Bad From");
    expect(e.canRespond).to.equal(true);
  });

  it("baddate (3.1.2.12): accepted by default (Date unused), refused with rejectBadDate", () => {
    const data = fixture("invalid/baddate.dat");
    const m = request(data);
    expect(() => m.date).to.throw(SipSyntaxError);
    const e = refused(data, { rejectBadDate: true });
    expect(e.code).to.equal("bad-header");
    expect(e.reason).to.equal("Bad Date");
  });
});

describe("parseMessage: framing, compact forms, limits", () => {
  it("parses the hot-path NOTIFY and exposes its fields", () => {
    const m = request(NOTIFY);
    expect(m.method).to.equal("NOTIFY");
    expect(m.callId).to.equal("3848276298220188511@hub");
    expect(m.fromTag).to.equal("srv-1");
    expect(m.toTag).to.equal("hub-9");
    expect(m.cseq).to.deep.equal({ seq: 102, method: "NOTIFY" });
    expect(m.topVia.branch).to.equal("z9hG4bK.a1b2c3");
    expect(m.event?.package).to.equal("presence");
    expect(m.event?.id).to.equal("1");
    expect(m.subscriptionState).to.deep.include({ state: "active", expires: 3599, reason: undefined, retryAfter: undefined });
    expect(m.contentType?.mediaType).to.equal("application/pidf+xml");
  });

  it("counts Content-Length in bytes, not UTF-16 units", () => {
    const body = "<note>Café ☕ im Büro</note>";
    const bytes = Buffer.byteLength(body);
    expect(bytes).to.not.equal(body.length);
    const msg = NOTIFY.replace(/Content-Length: \d+\r\n\r\n[\s\S]*$/, `Content-Length: ${bytes}\r\n\r\n${body}TRAILING`);
    const m = request(msg);
    expect(m.bodyText).to.equal(body);
    expect(m.body.length).to.equal(bytes);
  });

  it("expands every compact form", () => {
    const m = request(
      crlf(
        "SUBSCRIBE sip:a@example.com SIP/2.0",
        "v: SIP/2.0/TCP h.example.com;branch=z9hG4bKx",
        "f: <sip:b@example.com>;tag=1",
        "t: <sip:a@example.com>",
        "i: c1",
        "CSeq: 1 SUBSCRIBE",
        "Max-Forwards: 70",
        "m: <sip:b@h.example.com>",
        "o: presence",
        "u: presence, dialog",
        "k: eventlist",
        "s: hello",
        "e: gzip",
        "x: 1800",
        "r: <sip:c@example.com>",
        "b: <sip:d@example.com>",
        "c: text/plain",
        "l: 0",
        "",
        "",
      ),
    );
    const keys = [...m.headers].map((h) => h.key);
    expect(keys).to.deep.equal([
      "via", "from", "to", "call-id", "cseq", "max-forwards", "contact", "event", "allow-events", "supported", "subject",
      "content-encoding", "session-expires", "refer-to", "referred-by", "content-type", "content-length",
    ]);
    expect(m.headers.get("Event")).to.equal("presence");
    expect(m.allowEvents).to.deep.equal(["presence", "dialog"]);
    expect(m.supported).to.deep.equal(["eventlist"]);
    expect(m.headers.get("o")).to.equal("presence");
    expect([...m.headers][7]!.name).to.equal("o");
  });

  it("tolerates LF-only line endings and leading CRLFs", () => {
    const m = request("\r\n\r\n" + NOTIFY.replace(/\r\n/g, "\n"));
    expect(m.callId).to.equal("3848276298220188511@hub");
    expect(m.bodyText.startsWith("<presence>")).to.equal(true);
  });

  it("unfolds a folded Subscription-State and multiple WWW-Authenticate lines", () => {
    const m = response(
      crlf(
        "SIP/2.0 401 Unauthorized",
        "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKq;received=192.0.2.1;rport=5070",
        "From: <sip:hub@example.com>;tag=a",
        "To: <sip:alice@example.com>;tag=b",
        "Call-ID: x",
        "CSeq: 1 SUBSCRIBE",
        'WWW-Authenticate: Digest realm="example.com", nonce="n1", qop="auth,auth-int",',
        "  algorithm=SHA-256",
        'WWW-Authenticate: Digest realm="example.com", nonce="n2", algorithm=MD5',
        "Subscription-State: terminated;",
        "   reason=probation; retry-after=30",
        "Content-Length: 0",
        "",
        "",
      ),
    );
    expect(m.topVia.rport).to.equal(5070);
    expect(m.challenges.map((c) => c.params.get("algorithm"))).to.deep.equal(["SHA-256", "MD5"]);
    expect(m.challenges[0]!.params.get("qop")).to.equal("auth,auth-int");
    expect(m.subscriptionState).to.deep.include({ state: "terminated", reason: "probation", retryAfter: 30 });
  });

  it("accepts IPv6 references in the Request-URI, Via and Contact (RFC 5118 §4.1, §4.5)", () => {
    const m = request(
      crlf(
        "REGISTER sip:[2001:db8::10] SIP/2.0",
        "To: sip:user@example.com",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=2001:db8::9:255",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Max-Forwards: 70",
        "Contact: \"Caller\" <sip:caller@[2001:db8::1]>",
        "CSeq: 98176 REGISTER",
        "Content-Length: 0",
        "",
        "",
      ),
    );
    expect(m.uri.kind === "sip" && [m.uri.host, m.uri.hostType]).to.deep.equal(["2001:db8::10", "ipv6"]);
    expect([m.topVia.host, m.topVia.received]).to.deep.equal(["2001:db8::9:1", "2001:db8::9:255"]);
    expect(refused("REGISTER sip:2001:db8::10 SIP/2.0\r\n\r\n").code).to.not.equal("internal");
  });

  it("keep-alive datagrams and oversized messages", () => {
    expect(refused("\r\n\r\n").code).to.equal("empty");
    const big = NOTIFY.replace("Max-Forwards: 70", `X-Pad: ${"a".repeat(2000)}\r\nMax-Forwards: 70`);
    const e = refused(big, { maxHeaderBytes: 1024 });
    expect(e.code).to.equal("too-large");
    expect(e.status).to.equal(513);
    expect(refused(NOTIFY, { maxBodyBytes: 4 }).code).to.equal("too-large");
  });

  it("missing, duplicated and malformed mandatory headers", () => {
    const without = (name: string): string => NOTIFY.replace(new RegExp(`${name}: [^\\r]*\\r\\n`), "");
    for (const name of ["Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards"]) {
      const e = refused(without(name));
      expect(e.code, name).to.equal("missing-header");
      expect(e.canRespond, name).to.equal(["Via", "From", "To", "Call-ID", "CSeq"].includes(name) ? false : true);
    }
    expect(refused(NOTIFY.replace("CSeq: 102 NOTIFY", "CSeq: 102 NOTIFY\r\nCSeq: 103 NOTIFY")).code).to.equal("duplicate-header");
    expect(refused(NOTIFY.replace("Content-Length: 26", "Content-Length: 26\r\nl: 5")).code).to.equal("duplicate-header");
    expect(refused(NOTIFY.replace("CSeq: 102 NOTIFY", "CSeq: NOTIFY")).code).to.equal("bad-cseq");
    expect(refused(NOTIFY.replace("CSeq: 102 NOTIFY", "CSeq: 4294967296 NOTIFY")).code).to.equal("bad-cseq");
    expect(refused(NOTIFY.replace("Content-Length: 26", "Content-Length: five")).code).to.equal("bad-content-length");
    expect(refused(NOTIFY.replace("Max-Forwards: 70", "Max-Forwards 70")).code).to.equal("bad-header-line");
    expect(refused(NOTIFY.replace("Max-Forwards: 70", "Max-Forwards: seventy")).code).to.equal("bad-header");
    // Responses need no Max-Forwards; RFC 2543-style requests without it are refused but answerable.
    const resp = crlf("SIP/2.0 200 OK", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@b>;tag=1", "To: <sip:c@d>", "Call-ID: 1", "CSeq: 1 OPTIONS", "", "");
    expect(response(resp).contentLength).to.equal(undefined);
  });

  it("never throws, whatever the input (mutated fixtures)", () => {
    const seeds = ["valid/wsinv.dat", "valid/mpart01.dat", "valid/longreq.dat", "invalid/quotbal.dat"].map(fixture);
    let state = 12345;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const interesting = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x40, 0x5b, 0x5d, 0xff];
    for (let round = 0; round < 3000; round++) {
      const seed = seeds[rand(seeds.length)]!;
      const data = Buffer.from(seed);
      const edits = 1 + rand(4);
      for (let k = 0; k < edits; k++) data[rand(data.length)] = rand(2) ? interesting[rand(interesting.length)]! : rand(256);
      const cut = rand(3) === 0 ? data.subarray(0, rand(data.length)) : data;
      const r = parseMessage(cut);
      if (r.ok) {
        // Lazy accessors may throw SipSyntaxError for malformed headers, but nothing else.
        for (const get of [() => r.message.event, () => r.message.contentType, () => r.message.subscriptionState, () => r.message.expires]) {
          try {
            get();
          } catch (e) {
            expect(e).to.be.instanceOf(SipSyntaxError);
          }
        }
      } else {
        expect(r.error.code).to.not.equal("internal", r.error.message);
      }
    }
  });
});

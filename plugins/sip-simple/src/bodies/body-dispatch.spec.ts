import { expect } from "chai";
import { readFileSync } from "node:fs";
import { type DispatchedBody, dispatchBody } from "./body-dispatch.js";
import { richFromPidf } from "./presence-mapping.js";
import { RlmiTracker } from "./rlmi.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test-fixtures/bodies/${name}`, import.meta.url));

const RLS_CT = (start: string) => `multipart/related;type="application/rlmi+xml";start="<${start}>";boundary="RlsBoundary7Qk2Zt0"`;

function kindOf(b: DispatchedBody): string {
  return b.kind === "error" ? `error:${b.code}` : b.kind;
}

function expectError(b: DispatchedBody, code: string, detail?: RegExp): void {
  expect(b.kind).to.equal("error");
  if (b.kind !== "error") return;
  expect(b.code).to.equal(code);
  expect(b.reason).to.equal(
    code === "body-mismatch" ? "body does not match its Content-Type" : code === "unsupported-content-type" ? "unsupported content type" : "body too large",
  );
  if (detail) expect(b.detail).to.match(detail);
}

describe("dispatchBody", () => {
  describe("empty bodies (normal: Kamailio sends Content-Length 0 before anything is published)", () => {
    it("no body, a zero-length body, or only line breaks is empty, with or without Content-Type", () => {
      for (const [ct, body] of [
        [null, null],
        [null, Buffer.alloc(0)],
        ["application/pidf+xml", Buffer.alloc(0)],
        ["application/pidf+xml", ""],
        ["application/dialog-info+xml", "\r\n"],
        [undefined, undefined],
      ] as const) {
        expect(dispatchBody(ct, body)).to.deep.equal({ kind: "empty" });
      }
    });
  });

  describe("typed bodies", () => {
    it("pidf, by Content-Type, case and parameters ignored", () => {
      const b = dispatchBody("Application/PIDF+xml; charset=UTF-8", fixture("kamailio-pidf-away.xml"));
      expect(b.kind).to.equal("pidf");
      if (b.kind === "pidf") expect(richFromPidf(b.document)).to.deep.equal({ kind: "state", status: "away", message: "Away" });
    });

    it("pidf as a string body, and Latin-1 by the Content-Type charset", () => {
      expect(kindOf(dispatchBody("application/pidf+xml", fixture("asterisk-chan-sip-ringing.xml").toString("latin1")))).to.equal("pidf");
      const latin = Buffer.concat([
        Buffer.from('<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="t"><status><basic>open</basic></status><note>M'),
        Buffer.from([0xfc]),
        Buffer.from("ller</note></tuple></presence>"),
      ]);
      const b = dispatchBody("application/pidf+xml;charset=ISO-8859-1", latin);
      expect(b.kind === "pidf" && b.document.tuples[0]!.notes[0]!.text).to.equal("Müller");
    });

    it("dialog-info", () => {
      const b = dispatchBody("application/dialog-info+xml", fixture("kamailio-dialog-confirmed-initiator.xml"));
      expect(b.kind === "dialog-info" && b.document.version).to.equal(4);
    });

    it("as-feature-event, single and as OpenSIPS' multipart/mixed of several features", () => {
      expect(dispatchBody("application/x-as-feature-event+xml", fixture("dfks-dnd-on.xml"))).to.deep.equal({ kind: "as-feature-event", facts: { dnd: true } });
      const oss = "OSS-Boundary-012345";
      const body =
        `--${oss}\r\nContent-Type: application/x-as-feature-event+xml\r\n\r\n${fixture("dfks-dnd-on.xml").toString().trim()}\r\n` +
        `--${oss}\r\nContent-Type: application/x-as-feature-event+xml\r\n\r\n${fixture("dfks-forward-always.xml").toString().trim()}\r\n--${oss}--\r\n`;
      expect(dispatchBody(`multipart/mixed;boundary=${oss}`, Buffer.from(body))).to.deep.equal({ kind: "as-feature-event", facts: { dnd: true, forwardTo: "8000" } });
    });
  });

  describe("resource lists (RFC 4662)", () => {
    it("full state first (no instances yet), then a partial NOTIFY whose parts pair with resources by cid", () => {
      const tracker = new RlmiTracker();
      const full = dispatchBody(RLS_CT("1718000000.sip:buddies@127.0.0.1.1804289383"), fixture("kamailio-rls-full.multipart"));
      expect(full.kind).to.equal("rlmi");
      if (full.kind !== "rlmi") return;
      expect(tracker.update(full.list)).to.deep.include({ applied: true, full: true, resyncNeeded: false });
      expect(full.resources).to.deep.equal([
        { resourceUri: "sip:alice@127.0.0.1" },
        { resourceUri: "sip:bob@127.0.0.1" },
        { resourceUri: "sip:carol@127.0.0.1" },
      ]);

      const partial = dispatchBody(RLS_CT("1718000001.sip:buddies@127.0.0.1.1957747793"), fixture("kamailio-rls-partial.multipart"));
      expect(partial.kind).to.equal("rlmi");
      if (partial.kind !== "rlmi") return;
      expect(tracker.update(partial.list)).to.deep.include({ applied: true, full: false, resyncNeeded: false });
      const summary = partial.resources.map((r) => [
        r.resourceUri,
        r.instance?.state,
        r.body?.kind === "pidf" ? richFromPidf(r.body.document).status : r.body?.kind,
        r.body?.kind === "pidf" ? r.body.document.entity : undefined,
      ]);
      expect(summary).to.deep.equal([
        ["sip:bob@127.0.0.1", "active", "busy", "sip:bob@127.0.0.1"],
        ["sip:alice@127.0.0.1", "active", "away", "sip:alice@127.0.0.1"],
        ["sip:carol@127.0.0.1", "terminated", undefined, undefined],
      ]);
    });

    it("finds the RLMI root by `start`, else takes the first part", () => {
      const noStart = dispatchBody('multipart/related;type="application/rlmi+xml";boundary=RlsBoundary7Qk2Zt0', fixture("kamailio-rls-partial.multipart"));
      expect(kindOf(noStart)).to.equal("rlmi");
    });

    it("a part that does not parse is reported on its resource, the others still arrive", () => {
      const body = fixture("kamailio-rls-partial.multipart").toString("latin1").replace("<dm:note>Away</dm:note>", "<dm:note>Away</oops>");
      const b = dispatchBody(RLS_CT("1718000001.sip:buddies@127.0.0.1.1957747793"), Buffer.from(body, "latin1"));
      expect(b.kind === "rlmi" && b.resources.map((r) => r.body && kindOf(r.body))).to.deep.equal(["pidf", "error:body-mismatch", undefined]);
    });

    it("refuses a multipart/related body whose root is not RLMI, or without a boundary", () => {
      expectError(dispatchBody('multipart/related;type="application/sdp";boundary=b', "--b\r\n\r\nx\r\n--b--"), "unsupported-content-type");
      expectError(dispatchBody("multipart/related;boundary=b", "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"), "unsupported-content-type", /not RLMI/);
      expectError(dispatchBody('multipart/related;type="application/rlmi+xml"', fixture("kamailio-rls-full.multipart")), "body-mismatch", /boundary/);
    });

    it("bounds nested lists", () => {
      const inner = fixture("kamailio-rls-full.multipart").toString("latin1");
      const wrap = (body: string, b: string, level: number) =>
        `--${b}\r\nContent-ID: <root${level}>\r\nContent-Type: application/rlmi+xml\r\n\r\n<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l${level}@h" version="1" fullState="true"><resource uri="sip:x@h"><instance id="1" state="active" cid="n${level}"/></resource></list>\r\n` +
        `--${b}\r\nContent-ID: <n${level}>\r\nContent-Type: multipart/related;type="application/rlmi+xml";boundary=${b}x\r\n\r\n${body}\r\n--${b}--\r\n`;
      let body = inner.replaceAll("RlsBoundary7Qk2Zt0", "Bxxxx");
      for (let level = 3; level >= 0; level--) body = wrap(body, "B" + "x".repeat(level), level);
      const b = dispatchBody('multipart/related;type="application/rlmi+xml";boundary=B', body, { maxNesting: 2 });
      let depth = 0;
      let cur: DispatchedBody | undefined = b;
      while (cur && cur.kind === "rlmi") {
        cur = cur.resources[0]!.body;
        depth++;
      }
      expect(depth).to.equal(3);
      expect(cur && kindOf(cur)).to.equal("error:body-mismatch");
    });
  });

  describe("errors", () => {
    it("a body without Content-Type, or of a type we do not read, is unsupported", () => {
      expectError(dispatchBody(null, fixture("kamailio-pidf-away.xml")), "unsupported-content-type", /without Content-Type/);
      expectError(dispatchBody("text/plain", "hello"), "unsupported-content-type");
      expectError(dispatchBody("application/pidf-diff+xml", "<x/>"), "unsupported-content-type");
      expectError(dispatchBody("not a type", "<x/>"), "unsupported-content-type", /unparsable/);
      // xpidf (Polycom, chan_sip) always carries a DOCTYPE: it is not read at all.
      expectError(dispatchBody("application/xpidf+xml", '<?xml version="1.0"?><!DOCTYPE presence PUBLIC "-//IETF//DTD RFCxxxx XPIDF 1.0//EN" "xpidf.dtd"><presence/>'), "unsupported-content-type");
    });

    it("a body that is not what its Content-Type says is a mismatch", () => {
      expectError(dispatchBody("application/pidf+xml", fixture("kamailio-dialog-confirmed-initiator.xml")), "body-mismatch", /not a PIDF/);
      expectError(dispatchBody("application/dialog-info+xml", fixture("kamailio-pidf-away.xml")), "body-mismatch", /not <dialog-info>/);
      expectError(dispatchBody("application/x-as-feature-event+xml", fixture("kamailio-pidf-away.xml")), "body-mismatch");
    });

    it("hostile bodies are mismatches with the reader's reason", () => {
      const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
      expectError(dispatchBody("application/pidf+xml", laughs), "body-mismatch", /DOCTYPE/);
      expectError(dispatchBody("application/pidf+xml", '<!DOCTYPE foo [<!ENTITY x SYSTEM "file:///etc/passwd">]><foo>&x;</foo>'), "body-mismatch", /DOCTYPE/);
      expectError(dispatchBody("application/dialog-info+xml", "<a>".repeat(10_000)), "body-mismatch", /deeper than 32/);
      expectError(dispatchBody("application/pidf+xml", `<presence xmlns="urn:ietf:params:xml:ns:pidf" x="${"a".repeat(1 << 20)}"/>`), "body-mismatch", /exceeds/);
      expectError(dispatchBody("application/pidf+xml", Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01])), "body-mismatch");
      expectError(dispatchBody("application/pidf+xml", fixture("kamailio-pidf-away.xml").subarray(0, 250)), "body-mismatch", /ends inside/);
    });

    it("a 10 MB body is refused by size before anything reads it", () => {
      const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
      expectError(dispatchBody("application/pidf+xml", big), "too-large", /10485760 bytes exceeds 2097152/);
      expectError(dispatchBody("multipart/related;boundary=b", big), "too-large");
    });

    it("never throws: truncations and byte flips of every fixture, under every Content-Type", () => {
      const types = [
        "application/pidf+xml",
        "application/dialog-info+xml",
        "application/x-as-feature-event+xml",
        RLS_CT("1718000001.sip:buddies@127.0.0.1.1957747793"),
        "multipart/mixed;boundary=RlsBoundary7Qk2Zt0",
      ];
      const names = [
        "kamailio-pidf-away.xml",
        "kamailio-dialog-multi.xml",
        "asterisk-chan-sip-ready.xml",
        "dfks-forward-always.xml",
        "kamailio-rls-partial.multipart",
      ];
      let seed = 12345;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let i = 0; i < 3000; i++) {
        const src = fixture(names[rand(names.length)]!);
        const body = Buffer.from(src.subarray(0, rand(src.length + 1)));
        for (let f = rand(4); f > 0 && body.length > 0; f--) body[rand(body.length)] = rand(256);
        const out = dispatchBody(types[rand(types.length)]!, body);
        expect(["empty", "pidf", "dialog-info", "as-feature-event", "rlmi", "error"]).to.include(out.kind);
      }
    });
  });
});

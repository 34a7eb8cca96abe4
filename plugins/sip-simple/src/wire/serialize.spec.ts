import { expect } from "chai";

import { newBranch, newCallId, newTag } from "./identifiers.js";
import { parseMessage } from "./parse-message.js";
import { createResponse, reasonPhrase, serializeRequest, serializeResponse } from "./serialize.js";
import type { SipRequest } from "./sip-message.js";

const crlf = (...lines: string[]): string => lines.join("\r\n");
const DIALOG_HEADERS = ["Via: SIP/2.0/UDP h;branch=z9hG4bK3", "Max-Forwards: 70", "From: <sip:x@y>;tag=1"];

function parseRequest(text: string): SipRequest {
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== "request") throw new Error("expected a request");
  return r.message;
}

describe("serialize", () => {
  it("writes the request line, headers in order, byte Content-Length last, CRLF everywhere", () => {
    const body = "<note>Café ☕</note>";
    const buf = serializeRequest({
      method: "PUBLISH",
      uri: "sip:alice@EXAMPLE.com",
      headers: [
        ["Via", "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;rport"],
        ["Max-Forwards", "70"],
        ["To", "<sip:alice@example.com>"],
        ["From", "<sip:alice@example.com>;tag=1"],
        ["Call-ID", "c"],
        ["CSeq", "1 PUBLISH"],
        ["Content-Length", "999"], // ignored: the serializer owns it
        ["Content-Type", "application/pidf+xml"],
      ],
      body,
    });
    const text = buf.toString("utf8");
    expect(text.startsWith("PUBLISH sip:alice@EXAMPLE.com SIP/2.0\r\nVia: ")).to.equal(true);
    expect(text).to.include(`Content-Type: application/pidf+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    expect(text).to.not.include("999");
    expect(text.replace(/\r\n/g, "")).to.not.include("\n");
    const parsed = parseMessage(buf);
    expect(parsed.ok && parsed.message.bodyText).to.equal(body);
  });

  it("refuses header injection and malformed lines", () => {
    expect(() => serializeRequest({ method: "OPTIONS", uri: "sip:a@b", headers: [["X-Evil", "a\r\nVia: x"]] })).to.throw(TypeError);
    expect(() => serializeRequest({ method: "OPT IONS", uri: "sip:a@b", headers: [] })).to.throw(TypeError);
    expect(() => serializeRequest({ method: "OPTIONS", uri: "sip:a b", headers: [] })).to.throw(TypeError);
    expect(() => serializeRequest({ method: "OPTIONS", uri: "sip:a@b", headers: [["Bad Name", "x"]] })).to.throw(TypeError);
    expect(() => serializeResponse({ status: 99, headers: [] })).to.throw(TypeError);
  });

  it("createResponse copies Via, From, To, Call-ID, CSeq (RFC 3261 §8.2.6) and adds a To tag", () => {
    const req = parseRequest(
      crlf(
        "NOTIFY sip:hub@192.0.2.1 SIP/2.0",
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2",
        "v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.11;branch=z9hG4bK0",
        "Max-Forwards: 69",
        "f: <sip:alice@example.com>;tag=srv",
        "t: <sip:hub@example.com>",
        "i: call-1",
        "CSeq: 7 NOTIFY",
        "Content-Length: 0",
        "",
        "",
      ),
    );
    const res = createResponse(req, 200, { toTag: "hub1", headers: [["Contact", "<sip:hub@192.0.2.1>"]] });
    expect(res.reason).to.equal("OK");
    expect(res.headers).to.deep.equal([
      ["Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2"],
      ["Via", "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.11;branch=z9hG4bK0"],
      ["From", "<sip:alice@example.com>;tag=srv"],
      ["To", "<sip:hub@example.com>;tag=hub1"],
      ["Call-ID", "call-1"],
      ["CSeq", "7 NOTIFY"],
      ["Contact", "<sip:hub@192.0.2.1>"],
    ]);
    const back = parseMessage(serializeResponse(res));
    expect(back.ok && back.message.kind === "response" && [back.message.status, back.message.toTag, back.message.vias.length]).to.deep.equal([200, "hub1", 3]);
    // 100 Trying gets no tag; an existing tag is kept.
    expect(createResponse(req, 100).headers.find(([n]) => n === "To")![1]).to.equal("<sip:hub@example.com>");
    const tagged = parseRequest(crlf("BYE sip:a@b SIP/2.0", ...DIALOG_HEADERS, "To: <sip:a@b>;tag=2", "Call-ID: c", "CSeq: 2 BYE", "", ""));
    expect(createResponse(tagged, 481).headers.find(([n]) => n === "To")![1]).to.equal("<sip:a@b>;tag=2");
  });

  it("answers a refused request with 400 from the refusal's headers", () => {
    const r = parseMessage(Buffer.from(crlf("OPTIONS sip:a@b SIP/2.0", ...DIALOG_HEADERS, "To: <sip:a@b>", "Call-ID: c", "CSeq: 1 INVITE", "", "")));
    expect(r.ok).to.equal(false);
    if (r.ok || !r.error.canRespond || !r.error.request) throw new Error("expected an answerable refusal");
    const res = createResponse(r.error.request, r.error.status, { reason: r.error.reason });
    const text = serializeResponse(res).toString();
    expect(text.startsWith("SIP/2.0 400 CSeq Method Mismatch\r\n")).to.equal(true);
    expect(text).to.include("CSeq: 1 INVITE\r\n");
  });

  it("reason phrases and identifiers", () => {
    expect(reasonPhrase(489)).to.equal("Bad Event");
    expect(reasonPhrase(499)).to.equal("Client Error");
    expect(newBranch()).to.match(/^z9hG4bK[A-Za-z0-9_-]{16}$/);
    expect(newTag()).to.not.equal(newTag());
    expect(newCallId("192.0.2.1")).to.match(/^[A-Za-z0-9_-]{22}@192\.0\.2\.1$/);
  });
});

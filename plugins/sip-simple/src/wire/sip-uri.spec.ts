import { expect } from "chai";

import { formatUri, isIpv6, parseUri, percentDecode, uriEquals, type SipUri } from "./sip-uri.js";
import { SipSyntaxError } from "./syntax.js";

const sip = (text: string): SipUri => {
  const u = parseUri(text);
  if (u.kind !== "sip") throw new Error(`not a SIP URI: ${text}`);
  return u;
};

describe("sip-uri", () => {
  it("parses user, password, host, port, params and headers", () => {
    const u = sip("sips:alice:secret@Example.COM:5061;transport=tcp;lr;maddr=239.255.255.1?subject=hi&priority=urgent");
    expect(u.scheme).to.equal("sips");
    expect(u.user).to.equal("alice");
    expect(u.password).to.equal("secret");
    expect(u.host).to.equal("Example.COM");
    expect(u.hostType).to.equal("name");
    expect(u.port).to.equal(5061);
    expect(u.params.get("transport")).to.equal("tcp");
    expect(u.params.get("lr")).to.equal(null);
    expect(u.params.get("maddr")).to.equal("239.255.255.1");
    expect(u.headers).to.deep.equal([
      ["subject", "hi"],
      ["priority", "urgent"],
    ]);
  });

  it("parses IPv4 and IPv6 hosts", () => {
    expect(sip("sip:192.0.2.1:5070").hostType).to.equal("ipv4");
    const v6 = sip("sip:bob@[2001:db8::10]:5070;transport=udp");
    expect([v6.host, v6.hostType, v6.port]).to.deep.equal(["2001:db8::10", "ipv6", 5070]);
    expect(sip("sip:[::ffff:192.0.2.2]").host).to.equal("::ffff:192.0.2.2");
    expect(isIpv6("2001:db8:::192.0.2.1")).to.equal(true); // RFC 5118 §4.10 robustness
    expect(isIpv6("2001:db8::10::1")).to.equal(false);
    expect(() => parseUri("sip:[2001:db8::10")).to.throw(SipSyntaxError);
  });

  it("keeps escapes and odd user characters as written (RFC 4475 esc01, semiuri, intmeth)", () => {
    expect(sip("sip:sips%3Auser%40example.com@example.net").user).to.equal("sips%3Auser%40example.com");
    expect(percentDecode("sips%3Auser%40example.com")).to.equal("sips:user@example.com");
    expect(sip("sip:user;par=u%40example.net@example.com").user).to.equal("user;par=u%40example.net");
    const odd = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
    expect(formatUri(parseUri(odd))).to.equal(odd);
    const c = sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
    expect(c.params.get("%6c%72")).to.equal(null);
    expect(percentDecode(c.params.get("n%61me") ?? "")).to.equal("value%41"); // decoded once only
    expect(percentDecode("null-%00-null")).to.equal("null-\0-null");
  });

  it("round-trips through formatUri", () => {
    for (const text of [
      "sip:alice@example.com",
      "sip:hub@192.0.2.1:5070;transport=udp",
      "sips:[2001:db8::1]:5061;lr",
      "sip:a@b.example?Route=%3Csip:x%3E",
      "tel:+1-201-555-0123;ext=42",
      "urn:service:sos",
    ]) {
      expect(formatUri(parseUri(text))).to.equal(text);
    }
  });

  it("parses tel URIs", () => {
    const t = parseUri("tel:+1-201-555-0123;phone-context=example.com");
    expect(t.kind).to.equal("tel");
    if (t.kind === "tel") {
      expect(t.global).to.equal(true);
      expect(t.number).to.equal("+1-201-555-0123");
      expect(t.params.get("phone-context")).to.equal("example.com");
    }
    expect(() => parseUri("tel:")).to.throw(SipSyntaxError);
  });

  it("rejects malformed URIs", () => {
    for (const bad of ["alice@example.com", "sip:", "sip:bob@", "sip:a b@c", "sip:@example.com", "sip:x@host:99999", "sip:x@host:port", "sip:x@ex ample.com", "<sip:a@b>"]) {
      expect(() => parseUri(bad), bad).to.throw(SipSyntaxError);
    }
  });

  it("refuses a port with a leading zero, which would not format back as written (found by the robustness fuzzer)", () => {
    expect(() => parseUri("sip:100.100.100.10:010?a=aaa")).to.throw(SipSyntaxError, /leading zero/);
    expect(sip("sip:h:0").port).to.equal(0);
    expect(sip("sip:h:5060").port).to.equal(5060);
  });

  it("compares per RFC 3261 §19.1.4", () => {
    const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));
    // The RFC's equal pairs.
    expect(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp")).to.equal(true);
    expect(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5")).to.equal(true);
    expect(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5")).to.equal(true);
    expect(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com")).to.equal(true);
    expect(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x")).to.equal(true);
    // The RFC's unequal pairs.
    expect(eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP")).to.equal(false);
    expect(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060")).to.equal(false);
    expect(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp")).to.equal(false);
    expect(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp")).to.equal(false);
    expect(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting")).to.equal(false);
    expect(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4")).to.equal(false);
    expect(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off")).to.equal(false);
    expect(eq("sips:alice@atlanta.com", "sip:alice@atlanta.com")).to.equal(false);
    // tel: visual separators do not matter.
    expect(eq("tel:+1-201-555-0123", "tel:+1.201.555.0123")).to.equal(true);
  });

  it("is reflexive for a URI that repeats a parameter or header name (found by the robustness fuzzer)", () => {
    for (const u of ["tel:0;a=tel:0;a=a", "sip:a.aa:1;a=sip:a.aa:1;a=a", "sip:x@y;lr;lr=1", "sip:a@aa.aa:1?a=a&a=b"]) expect(uriEquals(parseUri(u), parseUri(u)), u).to.equal(true);
  });
});

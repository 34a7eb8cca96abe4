import { expect } from "chai";

import { canonicalHeaderName, headerKey } from "./header-names.js";
import { SipHeaders } from "./sip-headers.js";

describe("SipHeaders and header names", () => {
  it("looks headers up case-insensitively and through compact forms, keeping wire order and names", () => {
    const h = new SipHeaders();
    h.add("v", "SIP/2.0/UDP a;branch=z9hG4bK1");
    h.add("VIA", "SIP/2.0/UDP b;branch=z9hG4bK2");
    h.add("o", "presence;id=1");
    h.add("X-Custom", "1");
    expect(h.get("Via")).to.equal("SIP/2.0/UDP a;branch=z9hG4bK1");
    expect(h.getAll("V")).to.have.length(2);
    expect(h.get("EVENT")).to.equal("presence;id=1");
    expect(h.get("x-custom")).to.equal("1");
    expect(h.has("Contact")).to.equal(false);
    expect(h.count("via")).to.equal(2);
    expect([...h].map((f) => [f.key, f.name])).to.deep.equal([
      ["via", "v"],
      ["via", "VIA"],
      ["event", "o"],
      ["x-custom", "X-Custom"],
    ]);
    expect([h.keyAt(2), h.nameAt(2), h.valueAt(2), h.keyAt(9)]).to.deep.equal(["event", "o", "presence;id=1", undefined]);
  });

  it("maps every compact form and spells names conventionally", () => {
    const compact = { i: "call-id", m: "contact", e: "content-encoding", l: "content-length", c: "content-type", f: "from", s: "subject" };
    const more = { k: "supported", t: "to", v: "via", o: "event", u: "allow-events", x: "session-expires", r: "refer-to", b: "referred-by" };
    for (const [short, long] of Object.entries({ ...compact, ...more })) {
      expect(headerKey(short)).to.equal(long);
      expect(headerKey(short.toUpperCase())).to.equal(long);
    }
    expect(canonicalHeaderName("call-id")).to.equal("Call-ID");
    expect(canonicalHeaderName("i")).to.equal("Call-ID");
    expect(canonicalHeaderName("WWW-AUTHENTICATE")).to.equal("WWW-Authenticate");
    expect(canonicalHeaderName("x-my-header")).to.equal("X-My-Header");
  });
});

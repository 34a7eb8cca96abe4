import { expect } from "chai";
import { tryParseContentType as parseContentType } from "./content-type.js";

describe("parseContentType", () => {
  it("lower-cases the media type and parameter names, keeps values", () => {
    const ct = parseContentType("Application/PIDF+XML; Charset=UTF-8");
    expect(ct?.mediaType).to.equal("application/pidf+xml");
    expect([...ct!.parameters]).to.deep.equal([["charset", "UTF-8"]]);
  });

  it("reads Kamailio's RLS Content-Type with quoted parameters", () => {
    const ct = parseContentType('multipart/related;type="application/rlmi+xml";start="<1718000000.sip:buddies@127.0.0.1.1804289383>";boundary="RlsBoundary7Qk2Zt0"');
    expect(ct?.mediaType).to.equal("multipart/related");
    expect(ct?.parameters.get("type")).to.equal("application/rlmi+xml");
    expect(ct?.parameters.get("start")).to.equal("<1718000000.sip:buddies@127.0.0.1.1804289383>");
    expect(ct?.parameters.get("boundary")).to.equal("RlsBoundary7Qk2Zt0");
  });

  it("unescapes quoted-pairs and accepts unquoted boundaries with '=' or '/'", () => {
    expect(parseContentType('a/b; x="q\\"uote"')?.parameters.get("x")).to.equal('q"uote');
    expect(parseContentType("multipart/mixed;boundary=OSS=_/bnd")?.parameters.get("boundary")).to.equal("OSS=_/bnd");
  });

  it("keeps the first of duplicated parameters and tolerates a trailing ';'", () => {
    expect(parseContentType("a/b; x=1; x=2;")?.parameters.get("x")).to.equal("1");
  });

  it("returns null for values that are not type/subtype", () => {
    for (const v of ["", "pidf", "/xml", "application/", "a/b c", "a/b; x", 'a/b; x="unterminated', "a/b; =v", 'a/b; x="1" junk']) {
      expect(parseContentType(v), JSON.stringify(v)).to.equal(null);
    }
  });
});

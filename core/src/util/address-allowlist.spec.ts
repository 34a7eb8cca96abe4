import { expect } from "chai";
import { AddressAllowlist, parseAddressBlock } from "./address-allowlist.js";

describe("AddressAllowlist", () => {
  it("parses addresses and CIDR blocks, and refuses the rest", () => {
    expect(parseAddressBlock("10.0.0.0/8")).to.deep.equal({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseAddressBlock("::1")).to.deep.equal({ address: "::1", prefix: 128, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "fd00::/129", "10.0.0/8", "host.example", "10.0.0.0/8/1", "10.0.0.0/", "1.2.3.4/x"]) expect(parseAddressBlock(bad), bad).to.equal(null);
  });

  it("matches IPv4, IPv6 and IPv4-mapped IPv6 remotes", () => {
    const list = new AddressAllowlist(["10.0.0.0/8", "192.0.2.7", "fd00::/8"]);
    expect(list.allows("10.20.30.40")).to.equal(true);
    expect(list.allows("::ffff:10.1.2.3")).to.equal(true);
    expect(list.allows("192.0.2.7")).to.equal(true);
    expect(list.allows("192.0.2.8")).to.equal(false);
    expect(list.allows("fd12::1")).to.equal(true);
    expect(list.allows("2001:db8::1")).to.equal(false);
    expect(list.allows(undefined)).to.equal(false);
    expect(list.allows("not an address")).to.equal(false);
  });

  it("allows nobody when empty", () => {
    expect(new AddressAllowlist([]).allows("127.0.0.1")).to.equal(false);
  });
});

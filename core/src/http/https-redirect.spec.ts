import { expect } from "chai";
import { hostName } from "./https-redirect.js";

describe("hostName (HTTPS redirect)", () => {
  it("keeps the name or address the client used, without its port", () => {
    expect(hostName("hub.example:80")).to.equal("hub.example");
    expect(hostName("hub.example")).to.equal("hub.example");
    expect(hostName("192.0.2.10:8080")).to.equal("192.0.2.10");
    expect(hostName("[2001:db8::1]:80")).to.equal("[2001:db8::1]");
  });

  it("refuses anything that could make the redirect point elsewhere", () => {
    for (const bad of [undefined, "", "evil.example/@x", "a b", "hub.example:80/path", "user@hub.example", "hub.example:abc"]) expect(hostName(bad), String(bad)).to.equal(null);
  });
});

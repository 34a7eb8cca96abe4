import { expect } from "chai";
import { parseFlat } from "./sim-xml.js";

describe("Simulator XML (flat reader)", () => {
  it("reads the root, its namespace and leaf texts by local name, entities decoded", () => {
    const r = parseFlat('<?xml version="1.0"?><c:MonitorStart xmlns:c="urn:c" xmlns="urn:d"><c:monitorObject><c:deviceObject>a&lt;b&#65;</c:deviceObject></c:monitorObject><x/></c:MonitorStart>');
    expect(r.root).to.equal("MonitorStart");
    expect(r.namespace).to.equal("urn:d");
    expect(Object.fromEntries(r.leaves)).to.deep.equal({ deviceObject: "a<bA", x: "" });
  });

  it("refuses DTDs, unknown entities, unbalanced and oversized documents", () => {
    expect(() => parseFlat('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')).to.throw(/refused/);
    expect(() => parseFlat("<a>&e;</a>")).to.throw(/unknown entity/);
    expect(() => parseFlat("<a><b></a>")).to.throw(/unbalanced/);
    expect(() => parseFlat("<a>")).to.throw(/unclosed/);
    expect(() => parseFlat("<a/><b/>")).to.throw(/second root/);
    expect(() => parseFlat("<a>" + "x".repeat(70_000) + "</a>")).to.throw(/too large/);
    expect(() => parseFlat("just text")).to.throw();
  });
});

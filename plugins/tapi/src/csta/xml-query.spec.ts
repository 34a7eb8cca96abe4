import { expect } from "chai";
import { readCstaDocument } from "./csta-document.js";
import { child, childrenNamed, childText, descendant } from "./xml-query.js";

const NS = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

describe("CSTA XML queries", () => {
  it("look children up by local name in the parent's namespace, whatever the prefix", () => {
    const root = readCstaDocument(
      `<?xml version="1.0"?><!-- c --><c:DeliveredEvent xmlns:c="${NS}" xmlns:x="urn:private"><c:monitorCrossRefID> 42 </c:monitorCrossRefID>` +
        `<c:callingDevice><c:deviceIdentifier typeOfNumber="other">2000</c:deviceIdentifier></c:callingDevice><x:private>p</x:private><c:note><![CDATA[a<b]]>&amp;&#x41;&#66;</c:note></c:DeliveredEvent>`,
    );
    expect(root).to.include({ namespaceURI: NS, localName: "DeliveredEvent" });
    expect(childText(root, "monitorCrossRefID")).to.equal("42");
    expect(childText(root, "callingDevice", "deviceIdentifier")).to.equal("2000");
    expect(child(root, "callingDevice")!.children[0]!.attributes).to.deep.equal([{ namespaceURI: "", localName: "typeOfNumber", value: "other" }]);
    expect(child(root, "private")).to.equal(undefined); // another namespace
    expect(child(root, "private", "urn:private")!.text).to.equal("p");
    expect(childText(root, "note")).to.equal("a<b&AB");
    expect(descendant(root, "deviceIdentifier")!.text).to.equal("2000");
    expect(descendant(root, "private")).to.equal(undefined);
  });

  it("work on documents without a namespace (some switches send none)", () => {
    const root = readCstaDocument("<MakeCall><x>1</x><y/><x>2</x></MakeCall>");
    expect(root).to.include({ namespaceURI: "", localName: "MakeCall" });
    expect(childrenNamed(root, "x").map((x) => x.text)).to.deep.equal(["1", "2"]);
    expect(childText(root, "y")).to.equal("");
  });

  it("give undefined (or nothing) for an absent element anywhere on a path", () => {
    const root = readCstaDocument(`<GetForwardingResponse xmlns="${NS}"/>`);
    expect(childText(root, "forwardingList", "forwardListItem", "forwardDN")).to.equal(undefined);
    expect(childrenNamed(child(root, "forwardingList"), "forwardListItem")).to.deep.equal([]);
    expect(descendant(undefined, "snapshotData")).to.equal(undefined);
    expect(child(undefined, "x")).to.equal(undefined);
  });
});

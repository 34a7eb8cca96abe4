import { expect } from "chai";
import { child, childText, descendant, readXml, XmlSyntaxError, type XmlErrorCode } from "./xml-reader.js";

const NS = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

function refused(input: string | Uint8Array, code: XmlErrorCode, limits?: Parameters<typeof readXml>[1]): void {
  try {
    readXml(input, limits);
  } catch (e) {
    expect(e).to.be.instanceOf(XmlSyntaxError);
    expect((e as XmlSyntaxError).code).to.equal(code);
    return;
  }
  expect.fail(`accepted ${String(input).slice(0, 60)}`);
}

describe("CSTA XML reader", () => {
  it("resolves names by namespace URI whatever the prefix, and reads text, CDATA and attributes", () => {
    const root = readXml(
      `<?xml version="1.0"?><!-- c --><c:DeliveredEvent xmlns:c="${NS}" xmlns:x="urn:private"><c:monitorCrossRefID> 42 </c:monitorCrossRefID>` +
        `<c:callingDevice><c:deviceIdentifier typeOfNumber="other">2000</c:deviceIdentifier></c:callingDevice><x:private>p</x:private><c:note><![CDATA[a<b]]>&amp;&#x41;&#66;</c:note></c:DeliveredEvent>`,
    );
    expect(root).to.include({ ns: NS, name: "DeliveredEvent" });
    expect(childText(root, "monitorCrossRefID")).to.equal("42");
    expect(childText(root, "callingDevice", "deviceIdentifier")).to.equal("2000");
    expect(child(root, "callingDevice")!.children[0]!.attrs).to.deep.equal([{ ns: "", name: "typeOfNumber", value: "other" }]);
    expect(child(root, "private")).to.equal(undefined); // another namespace
    expect(child(root, "private", "urn:private")!.text).to.equal("p");
    expect(childText(root, "note")).to.equal("a<b&AB");
    expect(descendant(root, "deviceIdentifier")!.text).to.equal("2000");
  });

  it("accepts documents without a namespace and ISO-8859-1 bytes", () => {
    expect(readXml("<MakeCall><x/></MakeCall>")).to.include({ ns: "", name: "MakeCall" });
    const latin = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>M'), Buffer.from([0xfc]), Buffer.from("ller</a>")]);
    expect(readXml(latin).text).to.equal("Müller");
  });

  it("refuses any DOCTYPE, so entities can never expand", () => {
    refused('<!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;</a>', "doctype");
    refused("<a><!DOCTYPE a></a>", "doctype");
    refused("<a>&x;</a>", "bad-reference");
    refused("<a>&#0;</a>", "bad-reference");
    refused("<a>fish & chips</a>", "bad-reference");
  });

  it("bounds size, depth, element count, attributes and text", () => {
    refused("<a>" + "x".repeat(100) + "</a>", "too-large", { maxChars: 50, maxDepth: 10, maxElements: 10, maxAttributes: 4, maxTextLength: 1000 });
    refused("<a>".repeat(40) + "</a>".repeat(40), "too-deep");
    refused("<a>" + "<b/>".repeat(6000) + "</a>", "too-many-elements");
    refused(`<a ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(" ")}/>`, "too-many-attributes");
    refused("<a>" + "x".repeat(20_000) + "</a>", "text-too-long");
  });

  it("refuses broken documents with a reason", () => {
    refused("<a><b></a></b>", "malformed");
    refused("<a>", "malformed");
    refused("<a/><b/>", "malformed");
    refused("<a x=1/>", "malformed");
    refused('<a x="1" x="2"/>', "malformed");
    refused("<p:a/>", "unbound-prefix");
    refused("<a>\u0001</a>", "bad-character");
    refused(Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]), "encoding");
    refused("", "malformed");
  });
});

import { expect } from "chai";
import { type XmlElement, type XmlErrorCode, XML_NAMESPACE, attributeValue, childText, firstChild, readXml } from "./xml-reader.js";

/** A PIDF body as Kamailio sends it (plugins/sip-simple/test-fixtures/bodies/kamailio-pidf-away.xml). */
const KAMAILIO_PIDF = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@127.0.0.1">
<tuple id="t-alice">
<status><basic>open</basic></status>
<contact>sip:alice@127.0.0.1:5081</contact>
<note>Away</note>
</tuple>
<dm:person id="p-alice">
<rpid:activities><rpid:away/></rpid:activities>
<dm:note>Away</dm:note>
</dm:person>
</presence>
`;

function root(input: string | Uint8Array): XmlElement {
  const r = readXml(input);
  if (!r.ok) throw new Error(`unexpected ${r.error.code}: ${r.error.message}`);
  return r.root;
}

function refused(input: string | Uint8Array, code: XmlErrorCode, limits?: Parameters<typeof readXml>[1]): { offset: number; message: string } {
  const r = readXml(input, limits);
  expect(r.ok, "document should be refused").to.equal(false);
  if (r.ok) throw new Error("unreachable");
  expect(r.error.code).to.equal(code);
  expect(r.error.message).to.be.a("string").and.not.equal("");
  return { offset: r.error.offset, message: r.error.message };
}

describe("readXml", () => {
  describe("well-formed documents", () => {
    it("reads elements, attributes and text of the real Kamailio PIDF body", () => {
      const r = root(Buffer.from(KAMAILIO_PIDF));
      expect(r.namespaceURI).to.equal("urn:ietf:params:xml:ns:pidf");
      expect(r.localName).to.equal("presence");
      expect(attributeValue(r, "entity")).to.equal("sip:alice@127.0.0.1");
      const tuple = firstChild(r, "urn:ietf:params:xml:ns:pidf", "tuple")!;
      expect(attributeValue(tuple, "id")).to.equal("t-alice");
      expect(childText(tuple, "urn:ietf:params:xml:ns:pidf", "note")).to.equal("Away");
      const person = firstChild(r, "urn:ietf:params:xml:ns:pidf:data-model", "person")!;
      const acts = firstChild(person, "urn:ietf:params:xml:ns:pidf:rpid", "activities")!;
      expect(acts.children.map((c) => [c.namespaceURI, c.localName])).to.deep.equal([["urn:ietf:params:xml:ns:pidf:rpid", "away"]]);
    });

    it("resolves names by namespace URI whatever the prefix", () => {
      const r = root('<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf"><p:tuple id="x"/></p:presence>');
      expect([r.namespaceURI, r.localName]).to.deep.equal(["urn:ietf:params:xml:ns:pidf", "presence"]);
      expect(r.children[0]!.namespaceURI).to.equal("urn:ietf:params:xml:ns:pidf");
    });

    it("scopes declarations to the element that makes them", () => {
      const r = root('<a xmlns="urn:a"><b xmlns="urn:b"><c/></b><d/><e xmlns=""/></a>');
      const [b, d, e] = r.children;
      expect(b!.namespaceURI).to.equal("urn:b");
      expect(b!.children[0]!.namespaceURI).to.equal("urn:b");
      expect(d!.namespaceURI).to.equal("urn:a");
      expect(e!.namespaceURI).to.equal("");
    });

    it("puts unprefixed attributes in no namespace and resolves xml:lang", () => {
      const r = root('<n xmlns="urn:x" a="1" xml:lang="de"/>');
      expect(attributeValue(r, "a")).to.equal("1");
      expect(attributeValue(r, "a", "urn:x")).to.equal(undefined);
      expect(attributeValue(r, "lang", XML_NAMESPACE)).to.equal("de");
    });

    it("decodes the five predefined entities and numeric references", () => {
      const r = root(`<n a="&lt;&gt;&amp;&quot;&apos;&#65;&#x42;">x &amp; y &#x1F600; &lt;z&gt;</n>`);
      expect(attributeValue(r, "a")).to.equal(`<>&"'AB`);
      expect(r.text).to.equal("x & y \u{1F600} <z>");
    });

    it("keeps CDATA verbatim and skips comments and processing instructions", () => {
      const r = root('<?xml version="1.0"?><!-- c --><n><?pi x?><![CDATA[<not & markup>]]><!-- inner --></n><!-- after -->');
      expect(r.text).to.equal("<not & markup>");
      expect(r.children).to.have.length(0);
    });

    it("accepts single-quoted attributes, spaces around '=', and a BOM", () => {
      const r = root("\uFEFF<n a = 'v' b=\"w\" ></n >");
      expect(attributeValue(r, "a")).to.equal("v");
      expect(attributeValue(r, "b")).to.equal("w");
    });

    it("accepts the non-ASCII name characters XML allows", () => {
      expect(root("<a\u00b7b\u00e9/>").localName).to.equal("a\u00b7b\u00e9");
    });

    it("normalises literal tabs and line breaks in attribute values", () => {
      expect(attributeValue(root('<n a="x\ty\nz"/>'), "a")).to.equal("x y z");
    });

    it("decodes ISO-8859-1 bytes when the declaration says so (Asterisk chan_sip)", () => {
      const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><n>'), Buffer.from([0xe9]), Buffer.from("</n>")]);
      expect(root(bytes).text).to.equal("é");
    });

    it("decodes UTF-8 bytes by default", () => {
      expect(root(Buffer.from("<n>Müller</n>", "utf8")).text).to.equal("Müller");
    });
  });

  describe("hostile and broken input", () => {
    it("refuses a billion-laughs document at its DOCTYPE, before any expansion", () => {
      const laughs =
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
        Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? "" : i};`.repeat(10)}">`).join("\n") +
        "\n]>\n<lolz>&lol9;</lolz>";
      const { offset } = refused(laughs, "doctype");
      expect(offset).to.equal(laughs.indexOf("<!DOCTYPE"));
    });

    it("refuses an external entity (XXE)", () => {
      refused('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY x SYSTEM "file:///etc/passwd">]><foo>&x;</foo>', "doctype");
    });

    it("refuses a DOCTYPE wherever it stands, a lower-case one, and any other markup declaration", () => {
      refused('<!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;</a>', "doctype");
      refused("<a><!DOCTYPE a></a>", "doctype");
      refused("<a/><!DOCTYPE a>", "doctype");
      refused("<!doctype x><x/>", "doctype");
      refused('<x><!ENTITY y "z"></x>', "malformed");
    });

    it("refuses an undeclared entity reference (no DTD, no custom entities)", () => {
      refused("<x>&nbsp;</x>", "bad-reference");
      refused("<x>&lol9;</x>", "bad-reference");
      refused("<a>&x;</a>", "bad-reference");
      refused("<a>fish & chips</a>", "bad-reference");
      refused('<a b="fish & chips"/>', "bad-reference");
    });

    it("refuses 10,000-deep nesting at depth 33, without reading the rest", () => {
      const deep = "<a>".repeat(10_000) + "</a>".repeat(10_000);
      const { offset } = refused(deep, "too-deep");
      expect(offset).to.equal(32 * 3);
    });

    it("refuses 40-deep nesting with the default depth of 32", () => {
      refused("<a>".repeat(40) + "</a>".repeat(40), "too-deep");
    });

    it("refuses a 10 MB body by its size before reading it", () => {
      const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
      big.write("<a>", 0);
      const { offset } = refused(big, "too-large");
      expect(offset).to.equal(0);
    });

    it("refuses a 1 MB attribute: by size with the default limits, by attribute length when the size allows it", () => {
      const doc = `<a v="${"x".repeat(1024 * 1024)}"/>`;
      refused(doc, "too-large");
      refused(doc, "attribute-too-long", { maxBytes: 4 * 1024 * 1024 });
    });

    it("refuses too much text, too many attributes and too many elements", () => {
      refused(`<a>${"x".repeat(100)}</a>`, "text-too-long", { maxTextLength: 50 });
      refused(`<a>${"x".repeat(100)}</a>`, "too-large", { maxBytes: 50 });
      refused(`<a ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(" ")}/>`, "too-many-attributes");
      refused(`<a>${"<b/>".repeat(100)}</a>`, "too-many-elements", { maxElements: 50 });
    });

    it("counts the whitespace between children against the text limit, though the tree drops it", () => {
      const blanks = `<a>${"<b/>\n    ".repeat(20)}</a>`;
      expect(readXml(blanks, { maxTextLength: 200 }).ok).to.equal(true);
      expect(root(blanks).text).to.equal("");
      refused(blanks, "text-too-long", { maxTextLength: 50 });
    });

    it("bounds namespace declarations in scope, so prefix lookups stay cheap", () => {
      const decls = (d: number) => Array.from({ length: 30 }, (_, i) => `xmlns:p${d}x${i}="urn:${d}:${i}"`).join(" ");
      const doc = Array.from({ length: 3 }, (_, d) => `<e${d} ${decls(d)}>`).join("") + Array.from({ length: 3 }, (_, d) => `</e${2 - d}>`).join("");
      refused(doc, "too-many-namespaces");
      expect(readXml(doc, { maxNamespacesInScope: 100 }).ok).to.equal(true);
    });

    it("refuses garbage bytes", () => {
      const garbage = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256));
      const r = readXml(garbage);
      expect(r.ok).to.equal(false);
      refused(Buffer.from([0xff, 0xfe, 0x3c, 0x00]), "encoding");
      refused(Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]), "encoding");
      refused(Buffer.from('<?xml version="1.0" encoding="EBCDIC-US"?><a/>'), "encoding");
      refused(Buffer.from('<?xml version="1.0" encoding="l1"?><a/>'), "encoding");
      refused("<a>\u0001</a>", "bad-character");
      refused("not xml at all", "malformed");
    });

    it("refuses truncated documents", () => {
      const whole = KAMAILIO_PIDF;
      for (const cut of [10, 60, 200, 300, whole.lastIndexOf("</presence>") + 3]) {
        const r = readXml(whole.slice(0, cut));
        expect(r.ok, `cut at ${cut}`).to.equal(false);
        if (!r.ok) expect(["truncated", "malformed"]).to.include(r.error.code);
      }
      refused("", "truncated");
      refused("<a>", "truncated");
      refused('<a b="c', "truncated");
      refused("<a><!-- never closed", "truncated");
    });

    it("refuses structural errors", () => {
      refused("<a></b>", "malformed");
      refused("<a><b></a></b>", "malformed");
      refused("<a></ a>", "malformed");
      refused("<a/><b/>", "malformed");
      refused("<a/>text", "malformed");
      refused('<a x="1" x="2"/>', "malformed");
      refused('<a x="1"y="2"/>', "malformed");
      refused('<a xmlns="urn:a" xmlns="urn:b"/>', "malformed");
      refused('<a xmlns:p="urn:a" xmlns:p="urn:b"/>', "malformed");
      refused('<a xmlns:p="urn:p" xmlns:q="urn:p" p:x="1" q:x="2"/>', "malformed");
      refused("<a b=c/>", "malformed");
      refused('<a b="<"/>', "malformed");
      refused("<p:a/>", "unbound-prefix");
      refused('<a xmlns:p=""/>', "malformed");
      refused('<a xmlns:xml="urn:x"/>', "malformed");
      refused('<a xmlns:="urn:x"/>', "malformed");
      refused("<a\u00b8/>", "malformed");
      refused("<? x?><a/>", "malformed");
      refused("<a>&#0;</a>", "bad-reference");
      refused("<a>&#xD800;</a>", "bad-reference");
      refused("<a>&#xFFFF;</a>", "bad-reference");
    });

    it("never throws, whatever the input", () => {
      const samples = ["<", "<<<<", "</", "<!", "<?", "<![CDATA[", "<a", "<a ", "<a b", "<a b=", '<a b="', "&", "<a>&", "<a>&#", "<a>&#x;</a>", ">"];
      for (const s of samples) expect(() => readXml(s), JSON.stringify(s)).not.to.throw();
    });
  });
});

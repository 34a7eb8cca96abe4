import { expect } from "chai";
import { readFileSync } from "node:fs";
import { type PidfDocument, parsePidf } from "./pidf.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test-fixtures/bodies/${name}`, import.meta.url));

function doc(input: string | Uint8Array): PidfDocument {
  const r = parsePidf(input);
  if (!r.ok) throw new Error(`unexpected ${r.code}: ${r.reason}`);
  return r.document;
}

const NS = 'xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"';

describe("parsePidf", () => {
  it("reads the Kamailio body: tuple basic and note, person activity and note", () => {
    const d = doc(fixture("kamailio-pidf-away.xml"));
    expect(d.entity).to.equal("sip:alice@127.0.0.1");
    expect(d.tuples).to.deep.equal([
      { id: "t-alice", basic: "open", contact: "sip:alice@127.0.0.1:5081", notes: [{ text: "Away" }], activities: [], otherActivities: [] },
    ]);
    expect(d.persons).to.deep.equal([{ id: "p-alice", activities: ["away"], otherActivities: [], notes: [{ text: "Away" }] }]);
    expect(d.notes).to.deep.equal([]);
  });

  it("reads the body Kamailio synthesises after an unpublish (closed, no note)", () => {
    const d = doc(fixture("kamailio-pidf-closed-after-unpublish.xml"));
    expect(d.tuples.map((t) => t.basic)).to.deep.equal(["closed"]);
    expect(d.persons).to.deep.equal([]);
  });

  it("reads Asterisk chan_sip: pp:person/status/ep:activities and the note under <presence>", () => {
    const d = doc(fixture("asterisk-chan-sip-ringing.xml"));
    expect(d.persons[0]!.activities).to.deep.equal(["busy"]);
    expect(d.notes).to.deep.equal([{ text: "Ringing" }]);
    expect(d.tuples[0]!.basic).to.equal("open");
  });

  it("reads Asterisk's digium-presence tuple (CustomPresence)", () => {
    const d = doc(fixture("asterisk-chan-sip-ready.xml"));
    expect(d.digiumPresence).to.deep.equal({ type: "unavailable" });
    expect(d.tuples.map((t) => t.basic)).to.deep.equal(["open", null]);
    expect(d.notes).to.deep.equal([{ text: "Ready" }]);
  });

  it("reads Asterisk PJSIP: rpid:on-the-phone in dm:person and the note under <presence>", () => {
    const d = doc(fixture("asterisk-pjsip-ringing.xml"));
    expect(d.persons[0]!.activities).to.deep.equal(["on-the-phone"]);
    expect(d.notes).to.deep.equal([{ text: "Ringing" }]);
  });

  it("reads the Asterisk release that wrote the activity as text (<ep:activities>ep:busy</ep:activities>)", () => {
    const d = doc(
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:pp="urn:ietf:params:xml:ns:pidf:person" xmlns:ep="urn:ietf:params:xml:ns:pidf:rpid:rpid-person">' +
        "<pp:person><status><ep:activities>ep:on-the-phone</ep:activities></status></pp:person><note>On the phone</note>" +
        '<tuple id="1"><status><basic>open</basic></status></tuple></presence>',
    );
    expect(d.persons[0]!.activities).to.deep.equal(["on-the-phone"]);
  });

  it("reads baresip's empty activities", () => {
    const d = doc(fixture("baresip-pidf-open.xml"));
    expect(d.persons[0]!.activities).to.deep.equal([]);
    expect(d.tuples[0]!.basic).to.equal("open");
  });

  it("understands any prefix bound to the PIDF namespaces", () => {
    const d = doc(
      '<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:x="urn:ietf:params:xml:ns:pidf:data-model" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:a@b">' +
        '<p:tuple id="t"><p:status><p:basic>open</p:basic></p:status></p:tuple><x:person><r:activities><r:meeting/></r:activities></x:person></p:presence>',
    );
    expect(d.tuples[0]!.basic).to.equal("open");
    expect(d.persons[0]!.activities).to.deep.equal(["meeting"]);
  });

  it("does not treat the rpid prefix bound to a wrong namespace as RPID", () => {
    const d = doc(
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:example:not-rpid">' +
        '<tuple id="t"><status><basic>open</basic></status></tuple><dm:person><rpid:activities><rpid:away/></rpid:activities></dm:person></presence>',
    );
    expect(d.persons[0]!.activities).to.deep.equal([]);
  });

  it("ignores activity elements from another namespace inside rpid:activities", () => {
    const d = doc(`<presence ${NS} xmlns:o="urn:other"><dm:person><rpid:activities><o:busy/><rpid:lunch/></rpid:activities></dm:person></presence>`);
    expect(d.persons[0]!.activities).to.deep.equal(["lunch"]);
  });

  it("keeps rpid:other text, xml:lang on notes, and tuple-level activities", () => {
    const d = doc(
      `<presence ${NS}><tuple id="t"><status><basic>open</basic><rpid:activities><rpid:busy/></rpid:activities></status>` +
        '<note xml:lang="en">Out</note><note xml:lang="de">Weg</note></tuple>' +
        "<dm:person><rpid:activities><rpid:other>DND</rpid:other></rpid:activities></dm:person></presence>",
    );
    expect(d.tuples[0]!.activities).to.deep.equal(["busy"]);
    expect(d.tuples[0]!.notes).to.deep.equal([
      { text: "Out", lang: "en" },
      { text: "Weg", lang: "de" },
    ]);
    expect(d.persons[0]!.activities).to.deep.equal(["other"]);
    expect(d.persons[0]!.otherActivities).to.deep.equal(["DND"]);
  });

  it("forgives case and spaces in <basic>, and ignores unknown values", () => {
    expect(doc(`<presence ${NS}><tuple id="a"><status><basic> Open </basic></status></tuple></presence>`).tuples[0]!.basic).to.equal("open");
    expect(doc(`<presence ${NS}><tuple id="a"><status><basic>maybe</basic></status></tuple></presence>`).tuples[0]!.basic).to.equal(null);
  });

  it("says not-pidf for a well-formed document of another kind, and passes XML errors through", () => {
    const other = parsePidf('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"/>');
    expect(other.ok).to.equal(false);
    if (!other.ok) expect(other.code).to.equal("not-pidf");
    const bad = parsePidf("<!DOCTYPE x><presence/>");
    expect(bad.ok).to.equal(false);
    if (!bad.ok) expect(bad.code).to.equal("doctype");
  });

  it("does not take <presence> in no namespace for PIDF", () => {
    const r = parsePidf("<presence><tuple><status><basic>open</basic></status></tuple></presence>");
    expect(r.ok).to.equal(false);
  });
});

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { type PidfDocument, parsePidf } from "./pidf.js";
import {
  RICH_FROM_PIDF,
  TELEPHONY_FROM_PIDF,
  matchRichRow,
  matchTelephonyRow,
  presenceFacts,
  richFromPidf,
  telephonyFromPidf,
} from "./presence-mapping.js";

const fixture = (name: string): string => readFileSync(new URL(`../../test-fixtures/bodies/${name}`, import.meta.url), "utf8");

function doc(input: string): PidfDocument {
  const r = parsePidf(input);
  if (!r.ok) throw new Error(`unexpected ${r.code}: ${r.reason}`);
  return r.document;
}

const NS = 'xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"';

/** The body the harness publisher sends for each state (shared/harness/sipp/gen_scenarios.py), as Kamailio relays it. */
function harnessPidf(basic: string, note: string, activity?: string): string {
  const act = activity ? `<rpid:activities><rpid:${activity}/></rpid:activities>\n` : "";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<presence ${NS} entity="sip:alice@127.0.0.1">\n<tuple id="t-alice">\n<status><basic>${basic}</basic></status>\n<contact>sip:alice@127.0.0.1:5081</contact>\n<note>${note}</note>\n</tuple>\n<dm:person id="p-alice">\n${act}<dm:note>${note}</dm:note>\n</dm:person>\n</presence>`;
}

function open(personXml: string, tupleExtra = ""): string {
  return `<presence ${NS} entity="sip:a@example.com"><tuple id="t"><status><basic>open</basic></status>${tupleExtra}</tuple><dm:person id="p">${personXml}</dm:person></presence>`;
}

function digium(type: string): string {
  return `<presence ${NS}><tuple id="1001"><status><basic>open</basic></status></tuple><tuple id="digium-presence"><status><digium_presence type="${type}" subtype="">Gone fishing</digium_presence></status></tuple></presence>`;
}

/** One example per row of RICH_FROM_PIDF: the body, and why it belongs to that row. */
const RICH_EXAMPLES: Record<string, string> = {
  closed: fixture("asterisk-chan-sip-unavailable.xml"),
  "no-information": `<presence ${NS} entity="sip:a@example.com"/>`,
  "dnd-activity": open("<rpid:activities><rpid:other>dnd</rpid:other></rpid:activities>"),
  "dnd-note": harnessPidf("open", "Busy (DND)", "busy"),
  "dnd-asterisk-custom-presence": digium("dnd"),
  "busy-activity": open("<rpid:activities><rpid:meeting/></rpid:activities><dm:note>Team sync</dm:note>"),
  "away-activity": fixture("kamailio-pidf-away.xml"),
  "away-asterisk-custom-presence": digium("xa"),
  "busy-note": `<presence ${NS} entity="sip:1000@example.com"><tuple id="1000"><status><basic>open</basic></status><note>Busy</note></tuple></presence>`,
  "away-note": `<presence ${NS} entity="sip:1000@example.com"><tuple id="1000"><status><basic>open</basic></status><note>Away</note></tuple></presence>`,
  available: `<presence ${NS} entity="sip:1000@example.com;transport=UDP"><tuple id="1000"><status><basic>open</basic></status><note>Online</note></tuple></presence>`,
};

/** One example per row of TELEPHONY_FROM_PIDF. */
const TELEPHONY_EXAMPLES: Record<string, string> = {
  closed: fixture("asterisk-chan-sip-unavailable.xml"),
  "no-information": `<presence ${NS}><dm:person><rpid:activities><rpid:away/></rpid:activities></dm:person></presence>`,
  "asterisk-ringing-note": fixture("asterisk-chan-sip-ringing.xml"),
  "asterisk-in-use-note": fixture("asterisk-chan-sip-on-the-phone.xml"),
  "on-the-phone-activity": open("<rpid:activities><rpid:on-the-phone/></rpid:activities>"),
  open: fixture("asterisk-pjsip-ready.xml"),
};

describe("RICH_FROM_PIDF (PIDF → rich status)", () => {
  it("has an example for every row, and no example for a row that does not exist", () => {
    expect(Object.keys(RICH_EXAMPLES).sort()).to.deep.equal(RICH_FROM_PIDF.map((r) => r.name).sort());
  });

  for (const row of RICH_FROM_PIDF) {
    it(`row ${row.name} → ${row.status}`, () => {
      const d = doc(RICH_EXAMPLES[row.name]!);
      expect(matchRichRow(presenceFacts(d)).name).to.equal(row.name);
      expect(richFromPidf(d).status).to.equal(row.status);
    });
  }

  it("maps the harness publisher's sequence as Kamailio relays it", () => {
    const seq: [string, string][] = [
      [harnessPidf("open", "Available"), "available"],
      [harnessPidf("open", "Away", "away"), "away"],
      [harnessPidf("open", "Busy", "busy"), "busy"],
      [harnessPidf("open", "Busy (DND)", "busy"), "dnd"],
      [harnessPidf("open", "On the phone", "on-the-phone"), "busy"],
      [harnessPidf("closed", "Offline"), "offline"],
      [fixture("kamailio-pidf-closed-after-unpublish.xml"), "offline"],
      [fixture("baresip-pidf-open.xml"), "available"],
    ];
    expect(seq.map(([body]) => richFromPidf(doc(body)).status)).to.deep.equal(seq.map(([, s]) => s));
  });

  it("precedence: dnd beats busy beats away, whatever the order in the document", () => {
    const status = (acts: string) => richFromPidf(doc(open(`<rpid:activities>${acts}</rpid:activities>`))).status;
    expect(status("<rpid:vacation/><rpid:meeting/>")).to.equal("busy");
    expect(status("<rpid:meeting/><rpid:vacation/>")).to.equal("busy");
    expect(status("<rpid:away/><rpid:other>Do not disturb</rpid:other><rpid:busy/>")).to.equal("dnd");
  });

  it("knows the RFC 4480 away-like and busy-like activities", () => {
    for (const a of ["away", "vacation", "lunch", "breakfast", "dinner", "meal", "holiday", "sleeping", "travel", "in-transit", "steering", "permanent-absence"]) {
      expect(richFromPidf(doc(open(`<rpid:activities><rpid:${a}/></rpid:activities>`))).status, a).to.equal("away");
    }
    for (const a of ["busy", "on-the-phone", "meeting", "appointment", "presentation", "performance"]) {
      expect(richFromPidf(doc(open(`<rpid:activities><rpid:${a}/></rpid:activities>`))).status, a).to.equal("busy");
    }
    expect(richFromPidf(doc(open("<rpid:activities><rpid:unknown/></rpid:activities>"))).status).to.equal("available");
  });

  it("recognises DND notes in their usual spellings, and not inside other words", () => {
    for (const n of ["Do Not Disturb", "do-not-disturb", "DND", "Busy (DND)", "DoNotDisturb"]) {
      expect(richFromPidf(doc(open(`<dm:note>${n}</dm:note>`))).status, n).to.equal("dnd");
    }
    expect(richFromPidf(doc(open("<dm:note>Goodnd luck</dm:note>"))).status).to.equal("available");
  });

  it("a closed tuple is offline even with an activity (Asterisk sends ep:away with closed)", () => {
    expect(richFromPidf(doc(fixture("asterisk-chan-sip-unavailable.xml")))).to.deep.equal({ kind: "state", status: "offline", message: "Unavailable" });
  });

  it("a note-only phrase does not override an activity, and free text is not a status", () => {
    expect(richFromPidf(doc(open("<rpid:activities><rpid:meeting/></rpid:activities><dm:note>Away</dm:note>"))).status).to.equal("busy");
    expect(richFromPidf(doc(open("<dm:note>away from the phone after 5</dm:note>"))).status).to.equal("available");
  });

  describe("message", () => {
    it("prefers the person's note, then the tuple's, then the one under <presence>", () => {
      expect(richFromPidf(doc(open("<dm:note>person</dm:note>", "<note>tuple</note>"))).message).to.equal("person");
      expect(richFromPidf(doc(open("", "<note>tuple</note>"))).message).to.equal("tuple");
      expect(richFromPidf(doc(fixture("asterisk-chan-sip-ringing.xml"))).message).to.equal("Ringing");
    });

    it("picks the note in the preferred language when there are several", () => {
      const d = doc(open('<dm:note xml:lang="en">In a meeting</dm:note><dm:note xml:lang="de-CH">In einer Sitzung</dm:note>'));
      expect(richFromPidf(d).message).to.equal("In a meeting");
      expect(richFromPidf(d, { language: "de" }).message).to.equal("In einer Sitzung");
      expect(richFromPidf(d, { language: "fr" }).message).to.equal("In a meeting");
    });

    it("is trimmed, single-spaced, free of control and bidi characters, and capped", () => {
      const d = doc(open("<dm:note>  Back\tat &#x202E;3&#10;pm\u0085  </dm:note>"));
      expect(richFromPidf(d).message).to.equal("Back at 3 pm");
      const long = doc(open(`<dm:note>${"é".repeat(300)}</dm:note>`));
      expect(richFromPidf(long).message).to.equal("é".repeat(256));
      expect(richFromPidf(long, { maxMessageLength: 10 }).message).to.equal("é".repeat(10));
    });

    it("is absent when there is no note", () => {
      expect(richFromPidf(doc(fixture("baresip-pidf-open.xml")))).to.deep.equal({ kind: "state", status: "available" });
    });
  });
});

describe("TELEPHONY_FROM_PIDF (PIDF → line state)", () => {
  it("has an example for every row, and no example for a row that does not exist", () => {
    expect(Object.keys(TELEPHONY_EXAMPLES).sort()).to.deep.equal(TELEPHONY_FROM_PIDF.map((r) => r.name).sort());
  });

  for (const row of TELEPHONY_FROM_PIDF) {
    it(`row ${row.name} → ${row.line}`, () => {
      const d = doc(TELEPHONY_EXAMPLES[row.name]!);
      expect(matchTelephonyRow(presenceFacts(d)).name).to.equal(row.name);
      expect(telephonyFromPidf(d).line).to.equal(row.line);
    });
  }

  it("tells Asterisk's Ringing from On the phone only by the note (chan_sip and PJSIP)", () => {
    const line = (name: string) => telephonyFromPidf(doc(fixture(name)));
    expect(line("asterisk-chan-sip-ringing.xml")).to.deep.equal({ kind: "state", line: "ringing", detail: { note: "Ringing" } });
    expect(line("asterisk-chan-sip-on-the-phone.xml")).to.deep.equal({ kind: "state", line: "busy", detail: { note: "On the phone" } });
    expect(line("asterisk-pjsip-ringing.xml").line).to.equal("ringing");
    expect(line("asterisk-pjsip-on-the-phone.xml").line).to.equal("busy");
    expect(line("asterisk-pjsip-ready.xml")).to.deep.equal({ kind: "state", line: "available", detail: { note: "Ready" } });
    expect(line("asterisk-chan-sip-ready.xml").line).to.equal("available");
    expect(line("asterisk-chan-sip-unavailable.xml").line).to.equal("offline");
  });

  it("On hold is busy", () => {
    const onHold = fixture("asterisk-chan-sip-on-the-phone.xml").replace("On the phone", "On hold");
    expect(telephonyFromPidf(doc(onHold)).line).to.equal("busy");
  });

  it("an empty document (no tuple) is offline; a plain open one is available", () => {
    expect(telephonyFromPidf(doc(`<presence ${NS}/>`))).to.deep.equal({ kind: "state", line: "offline" });
    expect(telephonyFromPidf(doc(fixture("baresip-pidf-open.xml")))).to.deep.equal({ kind: "state", line: "available" });
  });
});

import { expect } from "chai";
import { readFileSync } from "node:fs";
import { type DialogInfoDocument, DialogInfoTracker, type DialogInfoUpdate, parseDialogInfo, telephonyFromDialogs } from "./dialog-info.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test-fixtures/bodies/${name}`, import.meta.url));

function doc(input: string | Uint8Array): DialogInfoDocument {
  const r = parseDialogInfo(input);
  if (!r.ok) throw new Error(`unexpected ${r.code}: ${r.reason}`);
  return r.document;
}

/** A dialog-info document: `dialogs` are `[id, state, direction?]`. */
function di(version: number | null, state: "full" | "partial", dialogs: [string, string, string?][]): DialogInfoDocument {
  const v = version === null ? "" : ` version="${version}"`;
  const body = dialogs
    .map(([id, st, dir]) => `<dialog id="${id}"${dir ? ` direction="${dir}"` : ""}><state>${st}</state></dialog>`)
    .join("");
  return doc(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"${v} state="${state}" entity="sip:1001@pbx">${body}</dialog-info>`);
}

describe("parseDialogInfo", () => {
  it("reads the real Kamailio pua_dialoginfo body", () => {
    const d = doc(fixture("kamailio-dialog-confirmed-initiator.xml"));
    expect(d).to.deep.equal({
      version: 4,
      state: "full",
      entity: "sip:erin@127.0.0.1",
      ignoredDialogs: 0,
      dialogs: [
        {
          id: "padi-6b06d9df-4f3c-2",
          callId: "1-21054@127.0.0.1",
          direction: "initiator",
          state: "confirmed",
          remote: { identity: "sip:dave@127.0.0.1", target: "sip:dave@127.0.0.1" },
          local: { identity: "sip:erin@127.0.0.1", target: "sip:erin@127.0.0.1:5197;transport=UDP" },
        },
      ],
    });
  });

  it("reads state names case-insensitively (pua_dialoginfo's Trying)", () => {
    const d = doc(fixture("kamailio-dialog-multi.xml"));
    expect(d.dialogs.map((x) => [x.id, x.state, x.direction])).to.deep.equal([
      ["d-1", "terminated", "recipient"],
      ["d-2", "early", "recipient"],
      ["d-3", "trying", "initiator"],
    ]);
  });

  it("ignores a dialog without <state> or with an unknown one, and counts it", () => {
    const d = doc(
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full">' +
        '<dialog id="a"/><dialog id="b"><state>ringing</state></dialog><dialog id="c"><state>early</state></dialog></dialog-info>',
    );
    expect(d.dialogs.map((x) => x.id)).to.deep.equal(["c"]);
    expect(d.ignoredDialogs).to.equal(2);
  });

  it("tolerates missing call-id and tags (Asterisk PJSIP) and a missing id", () => {
    expect(doc(fixture("asterisk-pjsip-dialog-idle.xml")).dialogs).to.deep.equal([{ id: "1001", state: "terminated" }]);
    const noId = doc(
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full">' +
        '<dialog call-id="x" local-tag="l"><state>confirmed</state></dialog><dialog><state>early</state></dialog></dialog-info>',
    );
    expect(noId.dialogs.map((x) => x.id)).to.deep.equal(["x;l;", "#1"]);
  });

  it("reads a missing or unknown state attribute as full, and a bad version as none", () => {
    const d = doc('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="x"/>');
    expect(d.state).to.equal("full");
    expect(d.version).to.equal(null);
  });

  it("refuses documents that are not dialog-info, by namespace", () => {
    const r = parseDialogInfo("<dialog-info version='1' state='full'/>");
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.code).to.equal("not-dialog-info");
  });
});

describe("telephonyFromDialogs (aggregation)", () => {
  it("no dialog: available (idle and unregistered cannot be told apart; we choose available)", () => {
    expect(telephonyFromDialogs(di(1, "full", []).dialogs)).to.deep.equal({ kind: "state", line: "available" });
  });

  it("all terminated: available (Asterisk's idle extension)", () => {
    expect(telephonyFromDialogs(doc(fixture("asterisk-pjsip-dialog-idle.xml")).dialogs)).to.deep.equal({ kind: "state", line: "available" });
  });

  it("any confirmed: busy, with direction, remote party and the number of live calls", () => {
    expect(telephonyFromDialogs(doc(fixture("kamailio-dialog-confirmed-initiator.xml")).dialogs)).to.deep.equal({
      kind: "state",
      line: "busy",
      detail: { calls: 1, direction: "outbound", remoteParty: "sip:dave@127.0.0.1" },
    });
    const mixed = di(1, "full", [["a", "early", "recipient"], ["b", "confirmed", "recipient"]]);
    expect(telephonyFromDialogs(mixed.dialogs)).to.deep.equal({ kind: "state", line: "busy", detail: { calls: 2, direction: "inbound" } });
  });

  it("early/proceeding/trying as recipient: ringing, with the caller's display name", () => {
    expect(telephonyFromDialogs(doc(fixture("asterisk-pjsip-dialog-early.xml")).dialogs)).to.deep.equal({
      kind: "state",
      line: "ringing",
      detail: { calls: 1, direction: "inbound", remoteParty: "Bob Example <sip:1002@pbx.example.com>" },
    });
    for (const st of ["proceeding", "trying"]) {
      expect(telephonyFromDialogs(di(1, "full", [["a", st, "recipient"]]).dialogs).line, st).to.equal("ringing");
    }
  });

  it("early without a direction is read as incoming (older Asterisk omits it)", () => {
    expect(telephonyFromDialogs(di(0, "full", [["1001", "early"]]).dialogs)).to.deep.equal({ kind: "state", line: "ringing", detail: { calls: 1 } });
  });

  it("early/trying as initiator: busy (the user is dialing)", () => {
    expect(telephonyFromDialogs(di(1, "full", [["a", "early", "initiator"]]).dialogs).line).to.equal("busy");
    expect(telephonyFromDialogs(di(1, "full", [["a", "Trying", "initiator"]]).dialogs)).to.deep.equal({
      kind: "state",
      line: "busy",
      detail: { calls: 1, direction: "outbound" },
    });
  });

  it("multi-dialog: ringing beats dialing, terminated dialogs do not count", () => {
    expect(telephonyFromDialogs(doc(fixture("kamailio-dialog-multi.xml")).dialogs)).to.deep.equal({
      kind: "state",
      line: "ringing",
      detail: { calls: 2, direction: "inbound", remoteParty: "Bob <sip:bob@127.0.0.1>" },
    });
  });

  it("cleans the remote display name before it reaches a console", () => {
    const d = doc(
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full"><dialog id="a" direction="recipient"><state>early</state>' +
        '<remote><identity display="Ev&#x202E;il&#10;Name">sip:x@y</identity></remote></dialog></dialog-info>',
    );
    expect(telephonyFromDialogs(d.dialogs)).to.have.nested.property("detail.remoteParty", "Ev il Name <sip:x@y>");
  });
});

describe("DialogInfoTracker", () => {
  it("full state replaces, partial state updates by id, terminated removes", () => {
    const t = new DialogInfoTracker();
    expect(t.update(di(1, "full", [["a", "confirmed", "initiator"]]))).to.deep.include({ applied: true, resyncNeeded: false });
    expect(t.report().line).to.equal("busy");
    t.update(di(2, "partial", [["b", "early", "recipient"]]));
    expect(t.liveDialogs.map((d) => d.id)).to.deep.equal(["a", "b"]);
    t.update(di(3, "partial", [["a", "terminated"]]));
    expect(t.liveDialogs.map((d) => d.id)).to.deep.equal(["b"]);
    expect(t.report().line).to.equal("ringing");
    const up = t.update(di(4, "full", [["c", "confirmed", "recipient"]]));
    expect(t.liveDialogs.map((d) => d.id)).to.deep.equal(["c"]);
    expect(up.report).to.deep.equal({ kind: "state", line: "busy", detail: { calls: 1, direction: "inbound" } });
    expect(t.update(di(5, "partial", [["c", "terminated"]])).report).to.deep.equal({ kind: "state", line: "available" });
  });

  it("follows the real call sequence of the harness (caller Trying → early → confirmed → terminated, callee early → …)", () => {
    const lineOf = (u: DialogInfoUpdate): string => (u.report.kind === "state" ? u.report.line : u.report.kind);
    const caller = new DialogInfoTracker();
    const callerLines = ["Trying", "early", "confirmed", "terminated"].map((st, i) => lineOf(caller.update(di(i + 1, "full", [["padi-1", st, "initiator"]]))));
    expect(callerLines).to.deep.equal(["busy", "busy", "busy", "available"]);
    const callee = new DialogInfoTracker();
    const calleeLines = ["early", "confirmed", "terminated"].map((st, i) => lineOf(callee.update(di(i + 2, "full", [["padi-2", st, "recipient"]]))));
    expect(calleeLines).to.deep.equal(["ringing", "busy", "available"]);
  });

  it("a version gap before a partial document asks for a resync, and still applies it", () => {
    const t = new DialogInfoTracker();
    t.update(di(1, "full", []));
    const up = t.update(di(3, "partial", [["a", "early", "recipient"]]));
    expect(up).to.deep.include({ applied: true, resyncNeeded: true, note: "version-gap" });
    expect(up.report.kind === "state" && up.report.line).to.equal("ringing");
    expect(t.version).to.equal(3);
  });

  it("a version gap before a full document needs nothing: full state is self-contained", () => {
    const t = new DialogInfoTracker();
    t.update(di(1, "full", []));
    expect(t.update(di(7, "full", [["a", "confirmed"]]))).to.deep.include({ applied: true, resyncNeeded: false });
  });

  it("a lower version after a server restart is accepted only as full state", () => {
    const t = new DialogInfoTracker();
    t.update(di(41, "full", [["a", "confirmed", "recipient"]]));
    const stale = t.update(di(2, "partial", [["a", "terminated"]]));
    expect(stale).to.deep.include({ applied: false, resyncNeeded: true, note: "stale-partial" });
    expect(t.liveDialogs).to.have.length(1);
    const reset = t.update(di(0, "full", []));
    expect(reset).to.deep.include({ applied: true, resyncNeeded: false });
    expect(t.version).to.equal(0);
    expect(reset.report).to.deep.equal({ kind: "state", line: "available" });
    expect(t.update(di(1, "partial", [["b", "early", "recipient"]]))).to.deep.include({ applied: true, resyncNeeded: false });
  });

  it("drops a repeated partial document without asking for a resync", () => {
    const t = new DialogInfoTracker();
    t.update(di(1, "full", []));
    t.update(di(2, "partial", [["a", "early", "recipient"]]));
    expect(t.update(di(2, "partial", [["a", "terminated"]]))).to.deep.include({ applied: false, resyncNeeded: false, note: "duplicate" });
    expect(t.liveDialogs).to.have.length(1);
  });

  it("a partial document before any full one is applied but asks for a resync", () => {
    const t = new DialogInfoTracker();
    expect(t.update(di(5, "partial", [["a", "early", "recipient"]]))).to.deep.include({ applied: true, resyncNeeded: true, note: "partial-before-full" });
  });

  it("documents without a version are applied in arrival order", () => {
    const t = new DialogInfoTracker();
    t.update(di(null, "full", [["a", "confirmed"]]));
    expect(t.update(di(null, "partial", [["a", "terminated"]]))).to.deep.include({ applied: true, resyncNeeded: false });
    expect(t.version).to.equal(null);
  });

  it("bounds the dialogs it keeps", () => {
    const t = new DialogInfoTracker(3);
    t.update(di(1, "full", Array.from({ length: 10 }, (_, i): [string, string, string] => [`d${i}`, "confirmed", "recipient"])));
    expect(t.liveDialogs).to.have.length(3);
  });

  it("reset() forgets version and dialogs (new subscription)", () => {
    const t = new DialogInfoTracker();
    t.update(di(9, "full", [["a", "confirmed"]]));
    t.reset();
    expect(t.version).to.equal(null);
    expect(t.report()).to.deep.equal({ kind: "state", line: "available" });
  });
});

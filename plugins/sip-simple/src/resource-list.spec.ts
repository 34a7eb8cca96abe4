import { expect } from "chai";
import { dispatchBody } from "./bodies/body-dispatch.js";
import { ResourceList } from "./resource-list.js";

const boundary = "b0und";
function listNotify(version: number, full: boolean, members: { uri: string; state?: "active" | "pending" | "terminated"; reason?: string; body?: string; type?: string }[]): [string, string] {
  const rlmi = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:team@pbx" version="${version}" fullState="${full}">`,
    ...members.map((m, i) =>
      m.state ? `<resource uri="${m.uri}"><instance id="i${i}" state="${m.state}"${m.reason ? ` reason="${m.reason}"` : ""}${m.body ? ` cid="c${i}@pbx"` : ""}/></resource>` : `<resource uri="${m.uri}"/>`,
    ),
    `</list>`,
  ].join("");
  const parts = [`--${boundary}\r\nContent-Type: application/rlmi+xml\r\nContent-ID: <root@pbx>\r\n\r\n${rlmi}\r\n`];
  members.forEach((m, i) => {
    if (m.body) parts.push(`--${boundary}\r\nContent-Type: ${m.type ?? "application/pidf+xml"}\r\nContent-ID: <c${i}@pbx>\r\n\r\n${m.body}\r\n`);
  });
  return [`multipart/related;type="application/rlmi+xml";start="<root@pbx>";boundary="${boundary}"`, parts.join("") + `--${boundary}--\r\n`];
}
const pidf = (basic: string, activity?: string) =>
  `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="x"><tuple id="t"><status><basic>${basic}</basic></status></tuple>${activity ? `<dm:person id="p"><rpid:activities><rpid:${activity}/></rpid:activities></dm:person>` : ""}</presence>`;
const dialog = (state: string, version: number) =>
  `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="sip:1001@pbx"><dialog id="d1" direction="recipient"><state>${state}</state></dialog></dialog-info>`;

describe("ResourceList", () => {
  it("learns membership from the first full state, then maps each member's part", () => {
    const list = new ResourceList("rich");
    expect(list.covers("alice@pbx")).to.equal(null);
    const first = list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:alice@pbx" }, { uri: "sip:bob@pbx" }])));
    expect(first).to.deep.include({ membershipChanged: true, resync: false });
    expect(list.covers("alice@pbx")).to.equal(true);
    expect(list.covers("carol@pbx")).to.equal(false);
    const second = list.apply(dispatchBody(...listNotify(2, false, [{ uri: "sip:bob@pbx", state: "active", body: pidf("open", "away") }])));
    expect("reports" in second && second.reports.get("bob@pbx")).to.deep.equal({ kind: "state", status: "away" });
    expect(list.lastReport("bob@pbx")).to.deep.equal({ kind: "state", status: "away" });
  });

  it("names the members it has heard nothing of; released ones are uncovered until the list speaks of them", () => {
    const list = new ResourceList("rich");
    expect(list.silentMembers()).to.deep.equal([]);
    list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:alice@pbx" }, { uri: "sip:bob@pbx" }, { uri: "sip:carol@pbx" }])));
    list.apply(dispatchBody(...listNotify(2, false, [{ uri: "sip:alice@pbx", state: "active", body: pidf("open") }, { uri: "sip:carol@pbx", state: "pending" }])));
    // Pending is something said: the server knows the member, its back end is on its way.
    expect(list.silentMembers()).to.deep.equal(["bob@pbx"]);
    list.release(["bob@pbx", "nobody@pbx"]);
    expect(list.covers("bob@pbx")).to.equal(false);
    expect(list.covers("nobody@pbx")).to.equal(false);
    expect(list.silentMembers()).to.deep.equal([]);
    const back = list.apply(dispatchBody(...listNotify(3, false, [{ uri: "sip:bob@pbx", state: "active", body: pidf("open", "away") }])));
    expect(back).to.deep.include({ membershipChanged: true });
    expect(list.covers("bob@pbx")).to.equal(true);
    // A re-subscribed list starts over: nobody heard, nobody released.
    list.release(["alice@pbx"]);
    list.reset();
    list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:alice@pbx" }, { uri: "sip:bob@pbx" }])));
    expect(list.covers("alice@pbx")).to.equal(true);
    expect(list.silentMembers()).to.deep.equal(["alice@pbx", "bob@pbx"]);
  });

  it("maps pending and terminated members to requesting and errors", () => {
    const list = new ResourceList("rich");
    list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:a@pbx" }, { uri: "sip:b@pbx" }, { uri: "sip:c@pbx" }])));
    const u = list.apply(
      dispatchBody(...listNotify(2, false, [{ uri: "sip:a@pbx", state: "pending" }, { uri: "sip:b@pbx", state: "terminated", reason: "rejected" }, { uri: "sip:c@pbx", state: "terminated", reason: "noresource" }])),
    );
    if (!("reports" in u)) throw new Error("expected reports");
    expect(u.reports.get("a@pbx")).to.deep.equal({ kind: "requesting" });
    expect(u.reports.get("b@pbx")).to.include({ kind: "error", status: "access-denied" });
    expect(u.reports.get("c@pbx")).to.include({ kind: "error", status: "not-found" });
  });

  it("tracks dialog state per member for a telephony list", () => {
    const list = new ResourceList("telephony");
    list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:1001@pbx" }])));
    const ring = list.apply(dispatchBody(...listNotify(2, false, [{ uri: "sip:1001@pbx", state: "active", body: dialog("early", 1), type: "application/dialog-info+xml" }])));
    expect("reports" in ring && ring.reports.get("1001@pbx")).to.include({ kind: "state", line: "ringing" });
    const talk = list.apply(dispatchBody(...listNotify(3, false, [{ uri: "sip:1001@pbx", state: "active", body: dialog("confirmed", 2), type: "application/dialog-info+xml" }])));
    expect("reports" in talk && talk.reports.get("1001@pbx")).to.include({ line: "busy" });
  });

  it("asks for a resync on a version gap, and refuses an empty body as 'not a list'", () => {
    const list = new ResourceList("rich");
    expect(list.apply(dispatchBody(null, ""))).to.have.property("error");
    list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:a@pbx" }])));
    expect(list.apply(dispatchBody(...listNotify(5, false, [{ uri: "sip:a@pbx", state: "active", body: pidf("closed") }])))).to.include({ resync: true });
    expect(list.apply(dispatchBody(null, ""))).to.not.have.property("error");
  });

  it("forgets members that leave the list", () => {
    const list = new ResourceList("rich");
    list.apply(dispatchBody(...listNotify(1, true, [{ uri: "sip:a@pbx" }, { uri: "sip:b@pbx" }])));
    list.apply(dispatchBody(...listNotify(2, false, [{ uri: "sip:b@pbx", state: "active", body: pidf("open") }])));
    list.apply(dispatchBody(...listNotify(3, true, [{ uri: "sip:a@pbx" }])));
    expect(list.covers("b@pbx")).to.equal(false);
    expect(list.lastReport("b@pbx")).to.equal(undefined);
  });
});

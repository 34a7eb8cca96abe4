import { expect } from "chai";
import { type RlmiList, RlmiTracker, pairRlmiParts, parseRlmi } from "./rlmi.js";

const NS = 'xmlns="urn:ietf:params:xml:ns:rlmi"';

function list(xml: string): RlmiList {
  const r = parseRlmi(xml);
  if (!r.ok) throw new Error(`unexpected ${r.code}: ${r.reason}`);
  return r.list;
}

function rl(version: number, full: boolean, uris: string[]): RlmiList {
  return list(`<list ${NS} uri="sip:buddies@h" version="${version}" fullState="${full}">${uris.map((u) => `<resource uri="${u}"/>`).join("")}</list>`);
}

describe("parseRlmi", () => {
  it("reads Kamailio's first full-state list (resources without instances)", () => {
    expect(
      list(`<?xml version="1.0"?>\n<list uri="sip:buddies@127.0.0.1" ${NS} version="1" fullState="true">\n  <resource uri="sip:alice@127.0.0.1"/> <resource uri="sip:bob@127.0.0.1"/>\n</list>`),
    ).to.deep.equal({
      uri: "sip:buddies@127.0.0.1",
      version: 1,
      fullState: true,
      resources: [
        { uri: "sip:alice@127.0.0.1", instances: [] },
        { uri: "sip:bob@127.0.0.1", instances: [] },
      ],
    });
  });

  it("reads instances with state, reason and cid (brackets and cid: stripped)", () => {
    const l = list(
      `<list ${NS} uri="sip:l@h" version="2" fullState="false"><resource uri="sip:a@h"><name>A</name>` +
        '<instance id="i1" state="active" cid="&lt;x@h&gt;"/><instance id="i2" state="terminated" reason="rejected"/>' +
        '<instance id="i3" state="bogus"/><instance state="active"/></resource></list>',
    );
    expect(l.fullState).to.equal(false);
    expect(l.resources[0]!.instances).to.deep.equal([
      { id: "i1", state: "active", cid: "x@h" },
      { id: "i2", state: "terminated", reason: "rejected" },
    ]);
  });

  it("refuses a list without uri or fullState, and other documents", () => {
    for (const body of [`<list ${NS} version="1" fullState="true"/>`, `<list ${NS} uri="sip:l@h" version="1"/>`, '<list uri="sip:l@h" version="1" fullState="true"/>']) {
      const r = parseRlmi(body);
      expect(r.ok, body).to.equal(false);
      if (!r.ok) expect(r.code).to.equal("not-rlmi");
    }
  });
});

describe("pairRlmiParts", () => {
  it("pairs instances with parts by Content-ID, not by position", () => {
    const l = list(
      `<list ${NS} uri="sip:l@h" version="2" fullState="false">` +
        '<resource uri="sip:b@h"><instance id="1" state="active" cid="cid-b"/></resource>' +
        '<resource uri="sip:a@h"><instance id="1" state="active" cid="cid-a"/></resource>' +
        '<resource uri="sip:c@h"><instance id="1" state="pending"/></resource><resource uri="sip:d@h"/>' +
        '<resource uri="sip:e@h"><instance id="1" state="active" cid="missing"/></resource></list>',
    );
    const parts = [
      { contentId: "cid-a", name: "part A" },
      { contentId: null, name: "untagged" },
      { contentId: "cid-b", name: "part B" },
    ];
    const pairs = pairRlmiParts(l, parts);
    expect(pairs.map((p) => [p.resourceUri, p.instance?.state, p.part?.name])).to.deep.equal([
      ["sip:b@h", "active", "part B"],
      ["sip:a@h", "active", "part A"],
      ["sip:c@h", "pending", undefined],
      ["sip:d@h", undefined, undefined],
      ["sip:e@h", "active", undefined],
    ]);
  });
});

describe("RlmiTracker", () => {
  it("full then partial: applies both; on the next full, reports resources that left the list", () => {
    const t = new RlmiTracker();
    expect(t.update(rl(1, true, ["sip:a@h", "sip:b@h", "sip:c@h"]))).to.deep.equal({ applied: true, full: true, resyncNeeded: false, removedResources: [] });
    expect(t.update(rl(2, false, ["sip:b@h"]))).to.deep.equal({ applied: true, full: false, resyncNeeded: false, removedResources: [] });
    expect(t.update(rl(3, true, ["sip:a@h", "sip:c@h"]))).to.deep.equal({ applied: true, full: true, resyncNeeded: false, removedResources: ["sip:b@h"] });
    expect([...t.resourceUris]).to.deep.equal(["sip:a@h", "sip:c@h"]);
  });

  it("a gap before a partial list asks for a resync", () => {
    const t = new RlmiTracker();
    t.update(rl(1, true, ["sip:a@h"]));
    expect(t.update(rl(4, false, ["sip:a@h"]))).to.deep.include({ applied: true, resyncNeeded: true, note: "version-gap" });
    expect(t.version).to.equal(4);
  });

  it("a lower version is accepted only as full state (server restart)", () => {
    const t = new RlmiTracker();
    t.update(rl(10, true, ["sip:a@h"]));
    expect(t.update(rl(3, false, ["sip:a@h"]))).to.deep.include({ applied: false, resyncNeeded: true, note: "stale-partial" });
    expect(t.update(rl(1, true, ["sip:a@h"]))).to.deep.include({ applied: true, full: true, resyncNeeded: false });
    expect(t.version).to.equal(1);
  });

  it("a repeated partial list is dropped; a partial list first asks for a resync", () => {
    const t = new RlmiTracker();
    expect(t.update(rl(1, false, ["sip:a@h"]))).to.deep.include({ applied: true, resyncNeeded: true, note: "partial-before-full" });
    expect(t.update(rl(1, false, ["sip:a@h"]))).to.deep.include({ applied: false, resyncNeeded: false, note: "duplicate" });
    t.reset();
    expect(t.version).to.equal(null);
  });
});

import { expect } from "chai";
import type { Observation, RichReport, TelephonyReport } from "../model/observation.js";
import type { RichState, TelephonyState } from "../model/presence-state.js";
import type { User } from "../model/user.js";
import { Aggregator } from "./aggregator.js";
import { ctiOverSipRule } from "./cti-over-sip-rule.js";
import type { ForwardClassifier, RankedSource, SourceRankingRule } from "./rules.js";
import type { ServiceFallback } from "./source-entry.js";

const user: User = { username: "alice", displayName: "Alice", firstExtension: "1001", sipUri: "sip:alice@pbx", voicemailNumber: "8001", origin: "manual" };
const requesting: ServiceFallback = { status: "requesting", rule: "awaiting-sources", reason: "waiting" };
const cti: RankedSource = { id: "cti", type: "tapi", sourceClass: "cti", position: 2 };
const pbxA: RankedSource = { id: "pbx-a", type: "sip", sourceClass: "presence-server", position: 0 };
const pbxB: RankedSource = { id: "pbx-b", type: "sip", sourceClass: "presence-server", position: 1 };

function tel(source: string, report: TelephonyReport, at = 1000): [string, Observation & { report: TelephonyReport }] {
  return [source, { source, field: "telephony", userKey: { by: "extension", value: "1001" }, at, report }];
}
function rich(source: string, report: RichReport, at = 1000): [string, Observation & { report: RichReport }] {
  return [source, { source, field: "rich", userKey: { by: "sipUri", value: "sip:alice@pbx" }, at, report }];
}
const preferB: SourceRankingRule = { id: "preferred-server", compare: (a, b) => (a.id === "pbx-b" ? -1 : 0) - (b.id === "pbx-b" ? -1 : 0) };

describe("Aggregator", () => {
  function make(rules: SourceRankingRule[] = [ctiOverSipRule], classifiers: ForwardClassifier[] = []) {
    const agg = new Aggregator(rules, classifiers);
    agg.setSources("telephony", [pbxA, pbxB, cti]);
    agg.setSources("rich", [pbxA, pbxB]);
    return agg;
  }

  it("ranks CTI above presence servers, then by configured position", () => {
    expect(make().ranking("telephony").map((s) => s.id)).to.deep.equal(["cti", "pbx-a", "pbx-b"]);
  });

  it("CTI beats SIP when both report, and says so", () => {
    const s = make().telephony(user, new Map([tel("pbx-a", { kind: "state", line: "available" }), tel("cti", { kind: "state", line: "busy" })]), requesting, null, 5);
    expect(s.status).to.equal("busy");
    expect(s.provenance).to.include({ source: "cti", rule: "cti-over-sip" });
  });

  it("SIP shows when the CTI source has an error (fallback)", () => {
    const s = make().telephony(user, new Map([tel("cti", { kind: "error", status: "error", reason: "link down" }), tel("pbx-a", { kind: "state", line: "ringing" })]), requesting, null, 5);
    expect(s.status).to.equal("ringing");
    expect(s.provenance).to.include({ source: "pbx-a", rule: "fallback" });
  });

  it("dnd beats forwarding, forwarding beats busy", () => {
    const agg = make();
    const dnd = agg.telephony(user, new Map([tel("cti", { kind: "state", line: "busy", dnd: true, forwardTo: "2000" })]), requesting, null, 5);
    expect(dnd.status).to.equal("dnd");
    expect(dnd.provenance.derivation).to.equal("dnd-over-forward");
    const fwd = agg.telephony(user, new Map([tel("cti", { kind: "state", line: "busy", forwardTo: "2000" })]), requesting, null, 5);
    expect(fwd.status).to.equal("forwarded-number");
    expect(fwd.detail.forwardTo).to.equal("2000");
    expect(fwd.provenance.derivation).to.equal("forward-over-line");
  });

  it("asks forward classifiers in order; the first answer counts", () => {
    const vm: ForwardClassifier = { id: "vm", classify: (t) => (t === "8000" ? { status: "forwarded-voicemail", rule: "forward-voicemail-pilot" } : null) };
    const never: ForwardClassifier = { id: "never", classify: () => ({ status: "forwarded-number", rule: "never" }) };
    const s = make([ctiOverSipRule], [vm, never]).telephony(user, new Map([tel("cti", { kind: "state", line: "available", forwardTo: "8000" })]), requesting, null, 5);
    expect(s.status).to.equal("forwarded-voicemail");
    expect(s.provenance.derivation).to.equal("forward-voicemail-pilot");
  });

  it("the preferred server wins a conflict; without its answer the next one shows", () => {
    const agg = make([ctiOverSipRule, preferB]);
    const both = agg.rich(new Map([rich("pbx-a", { kind: "state", status: "away" }), rich("pbx-b", { kind: "state", status: "busy", message: "In a call" })]), requesting, null, 5);
    expect(both).to.include({ status: "busy", message: "In a call" });
    expect(both.provenance).to.include({ source: "pbx-b", rule: "preferred-server" });
    const onlyA = agg.rich(new Map([rich("pbx-a", { kind: "state", status: "away" }), rich("pbx-b", { kind: "requesting" })]), requesting, null, 5);
    expect(onlyA.provenance).to.include({ source: "pbx-a", rule: "fallback" });
  });

  it("without any real state, the best-ranked source's error or requesting shows", () => {
    const agg = make();
    const s = agg.rich(new Map([rich("pbx-b", { kind: "requesting" }), rich("pbx-a", { kind: "error", status: "not-found", reason: "404 Not Found" })]), requesting, null, 5);
    expect(s).to.include({ status: "not-found", reason: "404 Not Found" });
    expect(s.provenance).to.include({ source: "pbx-a", rule: "top-source" });
  });

  it("falls back to the hub's service status without reports", () => {
    const s = make().telephony(user, new Map(), { status: "not-requested", rule: "no-demand", reason: "nobody asked" }, null, 42);
    expect(s).to.deep.include({ status: "not-requested", since: 42, provenance: { source: "hub", rule: "no-demand", at: 42 } });
  });

  it("returns the previous object when nothing shown changed, and keeps `since` across detail changes", () => {
    const agg = make();
    const reports = new Map([tel("cti", { kind: "state", line: "busy", detail: { remoteParty: "100" } }, 10)]);
    const first = agg.telephony(user, reports, requesting, null, 10);
    expect(agg.telephony(user, reports, requesting, first, 20)).to.equal(first);
    const later = agg.telephony(user, new Map([tel("cti", { kind: "state", line: "busy", detail: { remoteParty: "200" } }, 30)]), requesting, first, 30);
    expect(later).to.not.equal(first);
    expect(later.since).to.equal(10);
    expect(later.detail.remoteParty).to.equal("200");
  });

  it("decidingRule names the first rule with an opinion, else the configured order", () => {
    const agg = make([ctiOverSipRule, preferB]);
    expect(agg.decidingRule(cti, pbxB, "telephony")).to.equal("cti-over-sip");
    expect(agg.decidingRule(pbxB, pbxA, "telephony")).to.equal("preferred-server");
    expect(make([ctiOverSipRule]).decidingRule(pbxA, pbxB, "telephony")).to.equal("configured-order");
  });

  it("ignores reports from sources that no longer serve the field", () => {
    const s = make().rich(new Map([rich("gone", { kind: "state", status: "away" })]), requesting, null, 5) as RichState;
    expect(s.status).to.equal("requesting");
    void ({} as TelephonyState);
  });
});

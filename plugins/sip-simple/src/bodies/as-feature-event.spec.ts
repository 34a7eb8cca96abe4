import { expect } from "chai";
import { readFileSync } from "node:fs";
import { type AsFeatureEventParseResult, isCstaNamespace, mergeAsFeatureFacts, parseAsFeatureEvent, withFeatureFacts } from "./as-feature-event.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test-fixtures/bodies/${name}`, import.meta.url));
const ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

function facts(r: AsFeatureEventParseResult): unknown {
  if (!r.ok) throw new Error(`unexpected ${r.code}: ${r.reason}`);
  return r.facts;
}

function forwarding(type: string, status: string, target = "<forwardTo>8000</forwardTo>", root = "ForwardingEvent"): string {
  return `<${root} xmlns="${ED3}"><device>1001</device><forwardingType>${type}</forwardingType><forwardStatus>${status}</forwardStatus>${target}</${root}>`;
}

describe("parseAsFeatureEvent", () => {
  it("DoNotDisturbEvent → dnd", () => {
    expect(facts(parseAsFeatureEvent(fixture("dfks-dnd-on.xml")))).to.deep.equal({ dnd: true });
    expect(facts(parseAsFeatureEvent(`<DoNotDisturbEvent xmlns="${ED3}"><doNotDisturbOn> False </doNotDisturbOn></DoNotDisturbEvent>`))).to.deep.equal({ dnd: false });
  });

  it("unconditional forwarding on → forwardTo (OpenSIPS presence_dfks body, its namespace spelling)", () => {
    expect(facts(parseAsFeatureEvent(fixture("dfks-forward-always.xml")))).to.deep.equal({ forwardTo: "8000" });
  });

  it("unconditional forwarding off → forwardTo null", () => {
    expect(facts(parseAsFeatureEvent(forwarding("forwardImmediate", "false")))).to.deep.equal({ forwardTo: null });
  });

  it("accepts CallForwardingEvent / 'unconditional', forwardDN, and an on-without-target", () => {
    expect(facts(parseAsFeatureEvent(forwarding("unconditional", "true", "<forwardDN>+4930123</forwardDN>", "CallForwardingEvent")))).to.deep.equal({ forwardTo: "+4930123" });
    expect(facts(parseAsFeatureEvent(forwarding("forwardImmediate", "1", "")))).to.deep.equal({ forwardTo: "" });
  });

  it("busy and no-answer forwarding do not divert every call: no facts", () => {
    expect(facts(parseAsFeatureEvent(forwarding("forwardBusy", "true")))).to.deep.equal({});
    expect(facts(parseAsFeatureEvent(forwarding("forwardNoAns", "true")))).to.deep.equal({});
  });

  it("accepts the ed5 namespace and no namespace; refuses other namespaces", () => {
    expect(isCstaNamespace("http://www.ecma-international.org/standards/ecma-323/csta/ed5")).to.equal(true);
    expect(facts(parseAsFeatureEvent("<DoNotDisturbEvent><doNotDisturbOn>true</doNotDisturbOn></DoNotDisturbEvent>"))).to.deep.equal({ dnd: true });
    const other = parseAsFeatureEvent('<DoNotDisturbEvent xmlns="urn:example"><doNotDisturbOn>true</doNotDisturbOn></DoNotDisturbEvent>');
    expect(other.ok).to.equal(false);
  });

  it("requires children in the root's namespace", () => {
    const r = parseAsFeatureEvent(`<DoNotDisturbEvent xmlns="${ED3}"><x:doNotDisturbOn xmlns:x="urn:x">true</x:doNotDisturbOn></DoNotDisturbEvent>`);
    expect(r.ok).to.equal(false);
  });

  it("refuses unknown events, missing or non-boolean values, unknown forwarding types", () => {
    for (const body of [
      `<MessageWaitingEvent xmlns="${ED3}"/>`,
      `<DoNotDisturbEvent xmlns="${ED3}"/>`,
      `<DoNotDisturbEvent xmlns="${ED3}"><doNotDisturbOn>yes</doNotDisturbOn></DoNotDisturbEvent>`,
      forwarding("sometimes", "true"),
      forwarding("forwardImmediate", "maybe"),
    ]) {
      const r = parseAsFeatureEvent(body);
      expect(r.ok, body).to.equal(false);
      if (!r.ok) expect(r.code).to.equal("not-as-feature-event");
    }
  });
});

describe("mergeAsFeatureFacts", () => {
  it("later facts win for the fields they mention", () => {
    expect(mergeAsFeatureFacts({ dnd: true, forwardTo: "1" }, { forwardTo: null })).to.deep.equal({ dnd: true, forwardTo: null });
    expect(mergeAsFeatureFacts({ dnd: true }, {})).to.deep.equal({ dnd: true });
  });
});

describe("withFeatureFacts", () => {
  it("adds DND and the unconditional forward to a line report, and takes them away again", () => {
    const line = { kind: "state", line: "busy", detail: { calls: 1 } } as const;
    expect(withFeatureFacts(line, { dnd: true, forwardTo: "8000" })).to.deep.equal({ kind: "state", line: "busy", dnd: true, forwardTo: "8000", detail: { calls: 1 } });
    expect(withFeatureFacts({ ...line, dnd: true, forwardTo: "8000" }, { dnd: false, forwardTo: null })).to.deep.equal(line);
    expect(withFeatureFacts({ ...line, dnd: true }, {})).to.deep.equal({ ...line, dnd: true });
  });
});

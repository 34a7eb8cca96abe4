import { expect } from "chai";
import { dispatchBody } from "./bodies/body-dispatch.js";
import { mapRichBody, TelephonyNotifyMapper } from "./notify-mapper.js";

const dialog = (version: number, state: "full" | "partial", dialogs: string) =>
  Buffer.from(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="${state}" entity="sip:1001@pbx">${dialogs}</dialog-info>`);

describe("NOTIFY mapping", () => {
  it("telephony: an empty body is available; dialog-info drives the line; feature events add DND", () => {
    const m = new TelephonyNotifyMapper();
    expect(m.map(undefined, Buffer.alloc(0))).to.deep.include({ kind: "report", report: { kind: "state", line: "available" } });
    const ring = m.map("application/dialog-info+xml", dialog(1, "full", `<dialog id="a" direction="recipient"><state>early</state></dialog>`));
    expect(ring).to.deep.include({ kind: "report" });
    expect((ring as { report: { line: string } }).report.line).to.equal("ringing");
    const dnd = m.map(
      "application/x-as-feature-event+xml",
      Buffer.from(`<DoNotDisturbEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><device>1001</device><doNotDisturbOn>true</doNotDisturbOn></DoNotDisturbEvent>`),
    );
    expect((dnd as { report: { dnd: boolean; line: string } }).report).to.include({ dnd: true, line: "ringing" });
  });

  it("telephony: a version gap asks for a resync; a bad body is reported, not guessed", () => {
    const m = new TelephonyNotifyMapper();
    m.map("application/dialog-info+xml", dialog(1, "full", ""));
    expect(m.map("application/dialog-info+xml", dialog(4, "partial", `<dialog id="a"><state>confirmed</state></dialog>`))).to.deep.include({ resync: true });
    expect(m.map("application/dialog-info+xml", Buffer.from("<not-xml"))).to.have.property("kind", "bad-body");
  });

  it("rich: no document means offline; PIDF maps by the table; other bodies are refused", () => {
    expect(mapRichBody(dispatchBody(null, ""))).to.deep.equal({ kind: "report", report: { kind: "state", status: "offline" }, resync: false });
    const open = mapRichBody(dispatchBody("application/pidf+xml", `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="x"><tuple id="t"><status><basic>open</basic></status><note>Hi</note></tuple></presence>`));
    expect(open).to.deep.include({ kind: "report", report: { kind: "state", status: "available", message: "Hi" } });
    expect(mapRichBody(dispatchBody("application/dialog-info+xml", dialog(1, "full", "")))).to.have.property("kind", "bad-body");
  });
});

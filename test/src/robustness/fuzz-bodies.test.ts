import { expect } from "chai";
import fc from "fast-check";
import {
  ResourceList,
  TelephonyNotifyMapper,
  dispatchBody,
  mapRichBody,
  parseAsFeatureEvent,
  parseDialogInfo,
  parsePidf,
  parseRlmi,
  splitMultipart,
  type DispatchedBody,
} from "@presence-hub/plugin-sip-simple/bodies";
import { contentType, dialogInfo, featureEvent, pidf, rlmiMultipart } from "./body-arbitraries.js";
import { fuzzParser, junkBytes, junkText, mutated, type Verdict } from "./fuzz.js";

const BODY_ERRORS = ["unsupported-content-type", "body-mismatch", "too-large"];
const TELEPHONY = ["available", "ringing", "busy", "offline"];
const RICH = ["available", "away", "busy", "dnd", "offline"];

/**
 * Property-based fuzzing of the NOTIFY body layer: dispatchBody and the PIDF/RPID, dialog-info,
 * RLMI multipart and as-feature-event readers, through to the reports the connector emits.
 * Valid documents (random prefixes, escapes, CDATA) must read back to what was written; broken
 * ones must be refused with a code, never by an exception or a reader bug.
 */
describe("Robustness: fuzzing NOTIFY bodies", function () {
  this.timeout(180_000);

  /** The verdict on one dispatched body, failing on a reader bug (dispatchBody turns throws into "internal error"). */
  function verdictOf(d: DispatchedBody): Verdict {
    if (d.kind !== "error") return "accepted";
    expect(BODY_ERRORS).to.include(d.code);
    expect(d.detail, d.detail).to.not.match(/^internal error/);
    expect(d.reason.length).to.be.greaterThan(0);
    return "rejected";
  }

  /** A reader's typed refusal: `{ok: false, code, reason}`; a throw fails the property. */
  function readerVerdict(r: { ok: boolean; code?: string; reason?: string }): Verdict {
    if (r.ok) return "accepted";
    expect(r.code).to.be.a("string");
    expect(r.reason!.length).to.be.greaterThan(0);
    return "rejected";
  }

  it("PIDF/RPID: documents read back to the tuples, basic states, notes and activities written", () => {
    fuzzParser("body PIDF/RPID round trip", pidf, ({ model, xml }) => {
      const r = parsePidf(xml);
      expect(r.ok, r.ok ? "" : r.reason).to.equal(true);
      if (!r.ok) return "rejected";
      const doc = r.document;
      expect(doc.entity).to.equal(model.entity);
      expect(doc.tuples.map((t) => t.basic)).to.deep.equal(model.tuples.map((t) => t.basic));
      expect(doc.tuples.map((t) => t.notes[0]?.text.trim() ?? null)).to.deep.equal(model.tuples.map((t) => t.note));
      expect(doc.persons.flatMap((p) => p.activities)).to.deep.equal(model.activities);
      expect(doc.notes[0]?.text.trim() ?? null).to.equal(model.note);
      // …and map to a rich status from the fixed set.
      const mapped = mapRichBody(dispatchBody("application/pidf+xml", Buffer.from(xml)));
      expect(mapped.kind).to.equal("report");
      if (mapped.kind === "report" && mapped.report.kind === "state") expect(RICH).to.include(mapped.report.status);
      return "accepted";
    });
  });

  it("dialog-info: documents read back to version, state and each dialog with a known state", () => {
    fuzzParser("body dialog-info round trip", dialogInfo, ({ model, xml }) => {
      const r = parseDialogInfo(xml);
      expect(r.ok, r.ok ? "" : r.reason).to.equal(true);
      if (!r.ok) return "rejected";
      expect(r.document.version).to.equal(model.version);
      expect(r.document.state).to.equal(model.state);
      expect(r.document.entity).to.equal(model.entity);
      const known = model.dialogs.filter((d) => ["trying", "proceeding", "early", "confirmed", "terminated"].includes(d.state.toLowerCase()));
      expect(r.document.dialogs.map((d) => [d.id, d.state])).to.deep.equal(known.map((d) => [d.id, d.state.toLowerCase()]));
      expect(r.document.ignoredDialogs).to.equal(model.dialogs.length - known.length);
      return "accepted";
    });
  });

  it("as-feature-event: DND and forwarding read back to the facts written, anything else refused", () => {
    fuzzParser("body as-feature-event round trip", featureEvent, ({ xml, facts }) => {
      const r = parseAsFeatureEvent(xml);
      if (facts === undefined) {
        expect(r.ok).to.equal(false);
        return readerVerdict(r);
      }
      expect(r.ok, r.ok ? "" : r.reason).to.equal(true);
      if (r.ok) expect(r.facts).to.deep.equal(facts);
      return "accepted";
    });
  });

  it("RLMI multipart/related: every resource comes back with its own PIDF part, whatever the boundary and line ends", () => {
    fuzzParser("body RLMI multipart round trip", rlmiMultipart, ({ contentType: ct, body, resources }) => {
      const d = dispatchBody(ct, Buffer.from(body));
      expect(d.kind, d.kind === "error" ? d.detail : "").to.equal("rlmi");
      if (d.kind !== "rlmi") return "rejected";
      expect(d.resources.map((r) => r.resourceUri)).to.deep.equal(resources);
      for (const r of d.resources) expect(r.body?.kind).to.equal("pidf");
      const list = new ResourceList("rich");
      const update = list.apply(d);
      expect("error" in update).to.equal(false);
      return "accepted";
    });
  });

  it("dispatchBody: mutated and random bodies under any Content-Type are typed or refused with a code — never a reader bug", () => {
    const body = fc.oneof(
      mutated(pidf.map((p) => p.xml)),
      mutated(dialogInfo.map((p) => p.xml)),
      mutated(featureEvent.map((p) => p.xml)),
      junkText,
    );
    fuzzParser("body dispatchBody (mutated XML)", fc.tuple(contentType, body), ([ct, b]) => verdictOf(dispatchBody(ct, Buffer.from(b))), { sizeOf: ([, b]) => b.length });
    fuzzParser("body dispatchBody (random bytes)", fc.tuple(contentType, junkBytes), ([ct, b]) => verdictOf(dispatchBody(ct, b)), { sizeOf: ([, b]) => b.length });
  });

  it("multipart: mutated RLMI bodies and boundaries split or refuse, and each part is dispatched safely", () => {
    const broken = rlmiMultipart.chain((m) => fc.tuple(mutated(fc.constant(m.body)), fc.oneof({ weight: 4, arbitrary: fc.constant(m.boundary) }, { weight: 1, arbitrary: junkText })));
    fuzzParser("body multipart split (mutated)", broken, ([b, boundary]) => {
      const r = splitMultipart(Buffer.from(b), boundary);
      if (!r.ok) return "rejected";
      for (const p of r.parts) verdictOf(dispatchBody(p.contentType, p.body));
      return "accepted";
    });
    fuzzParser("body RLMI dispatch (mutated)", fc.tuple(rlmiMultipart, fc.array(fc.nat(), { maxLength: 3 }), junkText), ([m, cuts, junk]) => {
      // Splice junk into the body at random points: the list must survive or be refused whole.
      let b = m.body;
      for (const c of cuts) b = b.slice(0, c % (b.length + 1)) + junk + b.slice(c % (b.length + 1));
      const d = dispatchBody(m.contentType, Buffer.from(b));
      const v = verdictOf(d);
      if (d.kind === "rlmi") {
        parseRlmi(Buffer.from(b)); // must not throw, whatever it makes of the junk
        const update = new ResourceList("telephony").apply(d);
        if (!("error" in update)) for (const r of update.reports.values()) expect(["state", "error", "requesting", "cleared"]).to.include(r.kind);
      }
      return v;
    });
  });

  it("stateful mappers: any sequence of bodies keeps one subscription's telephony and rich reports in the fixed sets", () => {
    const anyBody = fc.oneof(
      dialogInfo.map((d) => ["application/dialog-info+xml", d.xml] as const),
      pidf.map((d) => ["application/pidf+xml", d.xml] as const),
      featureEvent.map((d) => ["application/x-as-feature-event+xml", d.xml] as const),
      fc.tuple(contentType, mutated(dialogInfo.map((d) => d.xml))),
      fc.constant(["application/dialog-info+xml", ""] as const),
    );
    fuzzParser(
      "body telephony mapper (sequences)",
      fc.array(anyBody, { minLength: 1, maxLength: 12 }),
      (seq) => {
        const mapper = new TelephonyNotifyMapper();
        let rejected = false;
        for (const [ct, xml] of seq) {
          const m = mapper.map(ct, Buffer.from(xml));
          if (m.kind === "bad-body") {
            expect(m.reason.length).to.be.greaterThan(0);
            rejected = true;
          } else if (m.kind === "report" && m.report.kind === "state") {
            expect(TELEPHONY).to.include(m.report.line);
          }
        }
        return rejected ? "rejected" : "accepted";
      },
      { sizeOf: (seq) => seq.reduce((n, [, x]) => n + x.length, 0) },
    );
  });
});

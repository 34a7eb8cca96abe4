/**
 * fast-check arbitraries for NOTIFY bodies: PIDF with RPID, dialog-info, as-feature-event and
 * RLMI multipart/related, each generated as a model plus the XML text written from it (random
 * prefixes or default namespaces, escapes, character references, comments, CDATA), so a test can
 * compare what the reader found with what was written.
 */
import fc from "fast-check";

export const PIDF_NS = "urn:ietf:params:xml:ns:pidf";
export const DM_NS = "urn:ietf:params:xml:ns:pidf:data-model";
export const RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid";
export const DIALOG_NS = "urn:ietf:params:xml:ns:dialog-info";
export const RLMI_NS = "urn:ietf:params:xml:ns:rlmi";
export const CSTA_NS = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

/** Text as a person would type it, with characters that need escaping. */
export const humanText = fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...Array.from("abcdefgh XYZ.,!?-'\"<>&é€😀0123")) }).map((s) => s.trim()).filter((s) => s.length > 0);

/** Escapes text for XML, at random as entity, numeric reference or CDATA (all mean the same). */
export function escapeXml(text: string, style: number): string {
  if (style % 4 === 3 && !text.includes("]]>")) return `<![CDATA[${text}]]>`;
  let out = "";
  for (const ch of text) {
    if (ch === "<") out += style % 2 ? "&#60;" : "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === "&") out += style % 2 ? "&#x26;" : "&amp;";
    else if (ch === "\"") out += "&quot;";
    else if (ch === "'") out += "&apos;";
    else if (ch === "é" && style % 4 === 2) out += "&#233;";
    else out += ch;
  }
  return out;
}

const attr = (text: string) => escapeXml(text, 0);

/** How a document names its namespaces: a random prefix, or the default namespace. */
const prefix = fc.oneof(fc.constant(""), fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/).filter((p) => !p.startsWith("xml")));
const q = (p: string, name: string) => (p ? `${p}:${name}` : name);
const xmlns = (p: string, ns: string) => (p ? `xmlns:${p}="${ns}"` : `xmlns="${ns}"`);
const decl = fc.constantFrom("", '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>");
const gap = fc.constantFrom("", "\n", "\n  ", "<!-- comment -->", " ");

/** A PIDF document and the facts it states. */
export interface PidfModel {
  readonly entity: string;
  readonly tuples: { readonly id: string; readonly basic: "open" | "closed" | null; readonly note: string | null }[];
  readonly activities: string[];
  readonly note: string | null;
}

const pidfModel: fc.Arbitrary<PidfModel> = fc.record({
  entity: fc.constantFrom("sip:alice@example.com", "pres:bob@example.com", "sip:1001@192.0.2.10"),
  tuples: fc.uniqueArray(
    fc.record({ id: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), basic: fc.constantFrom("open" as const, "closed" as const, null), note: fc.option(humanText, { nil: null }) }),
    { maxLength: 3, selector: (t) => t.id },
  ),
  activities: fc.uniqueArray(fc.constantFrom("away", "busy", "on-the-phone", "meeting", "vacation", "appointment"), { maxLength: 2 }),
  note: fc.option(humanText, { nil: null }),
});

/** PIDF+RPID text from a model. */
export const pidf: fc.Arbitrary<{ model: PidfModel; xml: string }> = fc
  .tuple(pidfModel, prefix, prefix, prefix, decl, gap, fc.nat())
  .filter(([, p, d, r]) => new Set([p, d, r]).size === 3)
  .map(([model, p, d, r, declaration, g, style]) => {
    const tuples = model.tuples
      .map(
        (t) =>
          `<${q(p, "tuple")} id="${attr(t.id)}">${g}` +
          (t.basic === null ? "" : `<${q(p, "status")}><${q(p, "basic")}>${t.basic}</${q(p, "basic")}></${q(p, "status")}>`) +
          (t.note === null ? "" : `<${q(p, "note")} xml:lang="en">${escapeXml(t.note, style)}</${q(p, "note")}>`) +
          `</${q(p, "tuple")}>`,
      )
      .join(g);
    const person =
      model.activities.length === 0
        ? ""
        : `<${q(d, "person")} id="p1"><${q(r, "activities")}>${model.activities.map((a) => `<${q(r, a)}/>`).join("")}</${q(r, "activities")}></${q(d, "person")}>`;
    const note = model.note === null ? "" : `<${q(p, "note")}>${escapeXml(model.note, style + 1)}</${q(p, "note")}>`;
    const xml = `${declaration}<${q(p, "presence")} ${xmlns(p, PIDF_NS)} ${xmlns(d, DM_NS)} ${xmlns(r, RPID_NS)} entity="${attr(model.entity)}">${g}${tuples}${g}${person}${note}</${q(p, "presence")}>`;
    return { model, xml };
  });

/** A dialog-info document and its facts. */
export interface DialogModel {
  readonly version: number;
  readonly state: "full" | "partial";
  readonly entity: string;
  readonly dialogs: { readonly id: string; readonly state: string; readonly direction: "initiator" | "recipient" | null; readonly remote: string | null }[];
}

const DIALOG_STATES = ["trying", "proceeding", "early", "confirmed", "terminated", "Trying"];

/** dialog-info text from a model. */
export const dialogInfo: fc.Arbitrary<{ model: DialogModel; xml: string }> = fc
  .tuple(
    fc.record({
      version: fc.nat({ max: 1_000_000 }),
      state: fc.constantFrom("full" as const, "partial" as const),
      entity: fc.constantFrom("sip:1001@192.0.2.10", "sip:alice@example.com"),
      dialogs: fc.uniqueArray(
        fc.record({ id: fc.stringMatching(/^[a-zA-Z0-9]{1,10}$/), state: fc.constantFrom(...DIALOG_STATES), direction: fc.constantFrom("initiator" as const, "recipient" as const, null), remote: fc.option(fc.constantFrom("sip:2001@192.0.2.10", "sip:+4930123@example.com"), { nil: null }) }),
        { maxLength: 3, selector: (x) => x.id },
      ),
    }),
    prefix,
    decl,
    gap,
  )
  .map(([model, p, declaration, g]) => {
    const dialogs = model.dialogs
      .map(
        (x) =>
          `<${q(p, "dialog")} id="${x.id}" call-id="c-${x.id}" local-tag="l${x.id}" remote-tag="r${x.id}"${x.direction ? ` direction="${x.direction}"` : ""}>${g}<${q(p, "state")}>${x.state}</${q(p, "state")}>` +
          (x.remote ? `<${q(p, "remote")}><${q(p, "identity")} display="R &amp; D">${x.remote}</${q(p, "identity")}></${q(p, "remote")}>` : "") +
          `</${q(p, "dialog")}>`,
      )
      .join(g);
    return { model, xml: `${declaration}<${q(p, "dialog-info")} ${xmlns(p, DIALOG_NS)} version="${model.version}" state="${model.state}" entity="${model.entity}">${g}${dialogs}</${q(p, "dialog-info")}>` };
  });

/** An as-feature-event document and the facts it states (undefined: the document is refused). */
export const featureEvent: fc.Arbitrary<{ xml: string; facts: { dnd?: boolean; forwardTo?: string | null } | undefined }> = fc.oneof(
  fc.tuple(fc.constantFrom("true", "false", "TRUE", "yes"), prefix).map(([on, p]) => ({
    xml: `<${q(p, "DoNotDisturbEvent")} ${xmlns(p, CSTA_NS)}><${q(p, "device")}>1001</${q(p, "device")}><${q(p, "doNotDisturbOn")}>${on}</${q(p, "doNotDisturbOn")}></${q(p, "DoNotDisturbEvent")}>`,
    facts: on.toLowerCase() === "true" ? { dnd: true } : on === "false" ? { dnd: false } : undefined,
  })),
  fc.tuple(fc.constantFrom("forwardImmediate", "forwardBusy", "always", "sideways"), fc.boolean(), fc.stringMatching(/^\+?[0-9]{1,12}$/), prefix).map(([type, status, to, p]) => ({
    xml: `<${q(p, "ForwardingEvent")} ${xmlns(p, CSTA_NS)}><${q(p, "forwardingType")}>${type}</${q(p, "forwardingType")}><${q(p, "forwardStatus")}>${status}</${q(p, "forwardStatus")}><${q(p, "forwardTo")}>${to}</${q(p, "forwardTo")}></${q(p, "ForwardingEvent")}>`,
    facts: type === "forwardBusy" ? {} : type === "sideways" ? undefined : status ? { forwardTo: to } : { forwardTo: null },
  })),
);

/** An RLMI multipart/related body: the list, one PIDF part per resource, and its Content-Type. */
export const rlmiMultipart: fc.Arbitrary<{ contentType: string; boundary: string; body: string; resources: string[] }> = fc
  .tuple(
    fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 4 }),
    fc.array(pidf, { minLength: 4, maxLength: 4 }),
    fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{1,40}$/).filter((b) => !b.endsWith(" ")),
    fc.nat({ max: 1000 }),
    fc.boolean(),
    fc.constantFrom("\r\n", "\n"),
  )
  .map(([users, docs, boundary, version, full, eol]) => {
    const resources = users.map((u) => `sip:${u}@example.com`);
    const list = `<?xml version="1.0" encoding="UTF-8"?><list xmlns="${RLMI_NS}" uri="sip:list@example.com" version="${version}" fullState="${full}">${resources
      .map((r, i) => `<resource uri="${r}"><instance id="i${i}" state="active" cid="part${i}@example.com"/></resource>`)
      .join("")}</list>`;
    const parts = [
      [`Content-Type: application/rlmi+xml;charset="UTF-8"`, `Content-ID: <root@example.com>`, "", list].join(eol),
      ...resources.map((_, i) => [`Content-Type: application/pidf+xml;charset="UTF-8"`, `Content-ID: <part${i}@example.com>`, "", docs[i]!.xml].join(eol)),
    ];
    const body = parts.map((p) => `--${boundary}${eol}${p}${eol}`).join("") + `--${boundary}--${eol}`;
    return { contentType: `multipart/related;type="application/rlmi+xml";start="<root@example.com>";boundary="${boundary}"`, boundary, body, resources };
  });

/** Content-Types a NOTIFY may carry, broken ones included. */
export const contentType = fc.constantFrom(
  "application/pidf+xml",
  "application/cpim-pidf+xml",
  "application/dialog-info+xml",
  "application/x-as-feature-event+xml",
  'multipart/related;type="application/rlmi+xml";boundary=xyz',
  "multipart/mixed;boundary=xyz",
  "application/pidf+xml;charset=ISO-8859-1",
  "application/xpidf+xml",
  "text/plain",
  "",
  ";;;",
  "multipart/related",
  "application/pidf+xml;charset=\"",
);

/**
 * BroadSoft "Device Feature Key Synchronization" bodies, `application/x-as-feature-event+xml`
 * (event package `as-feature-event`): the de-facto SIP source for do-not-disturb and call
 * forwarding, which presence and dialog events do not carry (../notes/field-survey.md §0.5).
 *
 * The documents are ECMA-323 (CSTA XML) events:
 *
 * ```xml
 * <DoNotDisturbEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
 *   <device>1001</device><doNotDisturbOn>true</doNotDisturbOn>
 * </DoNotDisturbEvent>
 * <ForwardingEvent xmlns="…/csta/ed3">
 *   <device>1001</device><forwardingType>forwardImmediate</forwardingType>
 *   <forwardStatus>true</forwardStatus><forwardTo>8000</forwardTo>
 * </ForwardingEvent>
 * ```
 *
 * Senders differ in the namespace edition (ed3, ed5) and even its spelling (OpenSIPS
 * presence_dfks writes `www.ecmainternational.org`, without the hyphen), so any ECMA-323 CSTA
 * namespace is accepted, and so is no namespace (some phones omit it); the child elements must
 * be in the root's namespace. Only *unconditional* forwarding diverts every call, so busy and
 * no-answer forwarding are recognised and reported as not affecting the line.
 */
import { type TelephonyFacts, type XmlElement, type XmlErrorCode, type XmlLimits, readRoot } from "@presence-hub/core";

/**
 * Partial telephony facts to merge into the line state. Absent fields were not mentioned.
 * `forwardTo: null` means unconditional forwarding is off; an empty string means it is on but
 * the server did not say where.
 */
export interface AsFeatureFacts {
  readonly dnd?: boolean;
  readonly forwardTo?: string | null;
}

/** Outcome of {@link parseAsFeatureEvent}. */
export type AsFeatureEventParseResult =
  | { readonly ok: true; readonly facts: AsFeatureFacts }
  | { readonly ok: false; readonly code: XmlErrorCode | "not-as-feature-event"; readonly reason: string };

// http(s)://www.ecma-international.org/standards/ecma-323/csta/ed<N>, hyphen optional.
const CSTA_NS = /^https?:\/\/www\.ecma-?international\.org\/standards\/ecma-323\/csta\/ed\d+\/?$/i;

/** Whether a namespace URI is one of the ECMA-323 CSTA namespaces (or none) that feature events use. */
export function isCstaNamespace(uri: string): boolean {
  return uri === "" || CSTA_NS.test(uri);
}

// forwardingType values meaning "every call" (CSTA forwardImmediate; BroadSoft documents and
// some phones say unconditional / always).
const UNCONDITIONAL: ReadonlySet<string> = new Set(["forwardimmediate", "unconditional", "forwardalways", "always"]);
const CONDITIONAL: ReadonlySet<string> = new Set([
  "forwardbusy",
  "forwardnoans",
  "forwardnoanswer",
  "forwardbusyint",
  "forwardbusyext",
  "forwardnoansint",
  "forwardnoansext",
  "forwardimmint",
  "forwardimmext",
  "forwarddnd",
  "busy",
  "noanswer",
]);

/** Reads one feature event document. Never throws for bad input. */
export function parseAsFeatureEvent(input: string | Uint8Array | XmlElement, limits?: Partial<XmlLimits>): AsFeatureEventParseResult {
  const read = readRoot(input, limits);
  if (!read.ok) return read;
  const root = read.root;
  if (!isCstaNamespace(root.namespaceURI)) return notFeature(`namespace ${root.namespaceURI} is not ECMA-323 CSTA`);
  const ns = root.namespaceURI;
  switch (root.localName) {
    case "DoNotDisturbEvent": {
      const on = readBoolean(text(root, ns, "doNotDisturbOn"));
      if (on === undefined) return notFeature("DoNotDisturbEvent without a true/false doNotDisturbOn");
      return { ok: true, facts: { dnd: on } };
    }
    case "ForwardingEvent":
    case "CallForwardingEvent": {
      const type = text(root, ns, "forwardingType")?.toLowerCase();
      const status = readBoolean(text(root, ns, "forwardStatus"));
      if (type === undefined || status === undefined) return notFeature(`${root.localName} without forwardingType and a true/false forwardStatus`);
      if (CONDITIONAL.has(type)) return { ok: true, facts: {} };
      if (!UNCONDITIONAL.has(type)) return notFeature(`unknown forwardingType ${JSON.stringify(type.slice(0, 40))}`);
      if (!status) return { ok: true, facts: { forwardTo: null } };
      // forwardTo in events; forwardDN is what the Set requests use, and some servers echo it.
      const target = text(root, ns, "forwardTo") ?? text(root, ns, "forwardDN") ?? "";
      return { ok: true, facts: { forwardTo: target } };
    }
    default:
      return notFeature(`unsupported feature event <${root.localName.slice(0, 40)}>`);
  }
}

/**
 * Merges feature facts in arrival order (OpenSIPS sends one document per feature, in a
 * multipart/mixed body): later documents win for the fields they mention.
 */
export function mergeAsFeatureFacts(a: AsFeatureFacts, b: AsFeatureFacts): AsFeatureFacts {
  const out: { -readonly [K in keyof AsFeatureFacts]: AsFeatureFacts[K] } = { ...a };
  if (b.dnd !== undefined) out.dnd = b.dnd;
  if (b.forwardTo !== undefined) out.forwardTo = b.forwardTo;
  return out;
}

/**
 * Applies the feature state known for a user (accumulated with {@link mergeAsFeatureFacts}) to
 * a line report from the dialog or presence event, which knows nothing of DND or forwarding.
 * The subscription layer keeps the two apart and combines them on every change of either, so
 * a new dialog NOTIFY does not wipe a DND set minutes ago.
 */
export function withFeatureFacts(line: TelephonyFacts, features: AsFeatureFacts): TelephonyFacts {
  const out: { -readonly [K in keyof TelephonyFacts]: TelephonyFacts[K] } = { ...line };
  if (features.dnd !== undefined) {
    if (features.dnd) out.dnd = true;
    else delete out.dnd;
  }
  if (features.forwardTo !== undefined) {
    if (features.forwardTo === null) delete out.forwardTo;
    else out.forwardTo = features.forwardTo;
  }
  return out;
}

function notFeature(reason: string): AsFeatureEventParseResult {
  return { ok: false, code: "not-as-feature-event", reason };
}

function text(el: XmlElement, ns: string, name: string): string | undefined {
  for (const c of el.children) if (c.localName === name && c.namespaceURI === ns) return c.text.trim();
  return undefined;
}

function readBoolean(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (s === "true" || s === "1") return true;
  if (s === "false" || s === "0") return false;
  return undefined;
}

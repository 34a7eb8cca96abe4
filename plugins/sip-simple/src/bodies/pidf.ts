/**
 * PIDF (RFC 3863) with RPID (RFC 4480) and the data model (RFC 4479), read into a small typed
 * document: per-tuple basic status and notes, per-person activities and notes, the notes
 * Asterisk puts directly under `<presence>`, and Asterisk's Digium presence tuple.
 *
 * This file only reads; what the document *means* (available, busy, ringing…) is decided by the
 * tables in presence-mapping.ts, so the dialect knowledge here is limited to where things are.
 *
 * Dialects handled, all matched by namespace URI, never by prefix:
 * - standard: `dm:person` / `rpid:activities` (Kamailio, baresip, Linphone, Asterisk PJSIP);
 * - Asterisk chan_sip and the PJSIP "eyebeam" supplement: `pp:person` / `status` /
 *   `ep:activities` in the `urn:ietf:params:xml:ns:pidf:person` and
 *   `urn:ietf:params:xml:ns:pidf:rpid:rpid-person` namespaces, with the device-state note
 *   ("Ringing", "On the phone"…) directly under `<presence>`;
 * - an Asterisk PJSIP release that wrote the activity as text (`<ep:activities>ep:busy</ep:activities>`)
 *   instead of an element.
 */
import { type XmlElement, type XmlErrorCode, type XmlLimits, XML_NAMESPACE, attributeValue, readRoot } from "@presence-hub/core";

/** PIDF core namespace (RFC 3863). */
export const PIDF_NS = "urn:ietf:params:xml:ns:pidf";
/** Presence data model namespace: `person`, `device`, `note` (RFC 4479). */
export const DATA_MODEL_NS = "urn:ietf:params:xml:ns:pidf:data-model";
/** Rich presence extensions namespace: `activities` and the activity elements (RFC 4480). */
export const RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid";
/** Asterisk chan_sip / eyebeam supplement: the `pp:person` element. */
export const ASTERISK_PERSON_NS = "urn:ietf:params:xml:ns:pidf:person";
/** Asterisk chan_sip / eyebeam supplement: `ep:activities` and its activity elements (a pre-RFC RPID draft). */
export const ASTERISK_RPID_PERSON_NS = "urn:ietf:params:xml:ns:pidf:rpid:rpid-person";

/** A `<note>` with its language, when the sender gave one. */
export interface PidfNote {
  readonly text: string;
  readonly lang?: string;
}

/** One `<tuple>`: a way to reach the presentity (a device or service). */
export interface PidfTuple {
  readonly id?: string;
  /** `<status><basic>`; null when the tuple has none (e.g. Asterisk's digium-presence tuple). */
  readonly basic: "open" | "closed" | null;
  readonly contact?: string;
  readonly notes: readonly PidfNote[];
  /** RPID activities carried on the tuple (older clients), lower-case local names. */
  readonly activities: readonly string[];
  /** Text of `<rpid:other>` activities on the tuple, trimmed. */
  readonly otherActivities: readonly string[];
}

/** One person element (`dm:person`, or Asterisk's `pp:person`). */
export interface PidfPerson {
  readonly id?: string;
  /** Activity local names, lower-case, e.g. `away`, `on-the-phone`, `other`. */
  readonly activities: readonly string[];
  /** Text of `<rpid:other>` activities ("dnd", "Working from home"…), trimmed. */
  readonly otherActivities: readonly string[];
  readonly notes: readonly PidfNote[];
}

/** Asterisk CustomPresence as sent in the `digium-presence` tuple (type not_set, available, away, xa, chat, dnd, unavailable). */
export interface DigiumPresence {
  readonly type: string;
  readonly subtype?: string;
  readonly message?: string;
}

/** What a PIDF body says, before any interpretation. */
export interface PidfDocument {
  readonly entity?: string;
  readonly tuples: readonly PidfTuple[];
  readonly persons: readonly PidfPerson[];
  /** Notes directly under `<presence>` (where Asterisk puts "Ringing", "On the phone"…). */
  readonly notes: readonly PidfNote[];
  readonly digiumPresence?: DigiumPresence;
}

/** Outcome of {@link parsePidf}. `code` is the XML reader's reason, or `not-pidf` for a well-formed non-PIDF document. */
export type PidfParseResult =
  | { readonly ok: true; readonly document: PidfDocument }
  | { readonly ok: false; readonly code: XmlErrorCode | "not-pidf"; readonly reason: string };

/** Reads a PIDF body (bytes, text, or an already read root element). Never throws for bad input. */
export function parsePidf(input: string | Uint8Array | XmlElement, limits?: Partial<XmlLimits>): PidfParseResult {
  const read = readRoot(input, limits);
  if (!read.ok) return read;
  const root = read.root;
  const document = pidfFromElement(root);
  if (!document) return { ok: false, code: "not-pidf", reason: `root element is {${root.namespaceURI}}${root.localName}, not a PIDF <presence>` };
  return { ok: true, document };
}

/** Interprets an element as a PIDF `<presence>`; null when it is not one. */
export function pidfFromElement(root: XmlElement): PidfDocument | null {
  if (root.namespaceURI !== PIDF_NS || root.localName !== "presence") return null;
  const tuples: PidfTuple[] = [];
  const persons: PidfPerson[] = [];
  const notes: PidfNote[] = [];
  let digiumPresence: DigiumPresence | undefined;
  for (const child of root.children) {
    const ns = child.namespaceURI;
    const name = child.localName;
    if (ns === PIDF_NS && name === "tuple") {
      tuples.push(readTuple(child));
      digiumPresence ??= readDigiumPresence(child);
    } else if (ns === PIDF_NS && name === "note") {
      pushNote(notes, child);
    } else if ((ns === DATA_MODEL_NS || ns === ASTERISK_PERSON_NS) && name === "person") {
      persons.push(readPerson(child));
    }
    // dm:device and extensions carry nothing the hub shows; they are skipped.
  }
  const entity = attributeValue(root, "entity");
  const doc: { -readonly [K in keyof PidfDocument]: PidfDocument[K] } = { tuples, persons, notes };
  if (entity !== undefined) doc.entity = entity;
  if (digiumPresence) doc.digiumPresence = digiumPresence;
  return doc;
}

function readTuple(tuple: XmlElement): PidfTuple {
  let basic: "open" | "closed" | null = null;
  let contact: string | undefined;
  const notes: PidfNote[] = [];
  const activities: string[] = [];
  const others: string[] = [];
  for (const child of tuple.children) {
    const ns = child.namespaceURI;
    if (ns === PIDF_NS) {
      if (child.localName === "status") {
        for (const s of child.children) {
          if (s.namespaceURI === PIDF_NS && s.localName === "basic") {
            // RFC 3863 says exactly "open" / "closed"; case and spaces are forgiven.
            const v = s.text.trim().toLowerCase();
            if (v === "open" || v === "closed") basic = v;
          } else if (isActivities(s)) {
            readActivities(s, activities, others);
          }
        }
      } else if (child.localName === "note") {
        pushNote(notes, child);
      } else if (child.localName === "contact") {
        contact = child.text.trim();
      }
    } else if (isActivities(child)) {
      readActivities(child, activities, others);
    }
  }
  const id = attributeValue(tuple, "id");
  const t: { -readonly [K in keyof PidfTuple]: PidfTuple[K] } = { basic, notes, activities: dedupe(activities), otherActivities: others };
  if (id !== undefined) t.id = id;
  if (contact) t.contact = contact;
  return t;
}

function readPerson(person: XmlElement): PidfPerson {
  const activities: string[] = [];
  const otherActivities: string[] = [];
  const notes: PidfNote[] = [];
  for (const child of person.children) {
    if (isActivities(child)) {
      readActivities(child, activities, otherActivities);
    } else if (child.localName === "note" && (child.namespaceURI === DATA_MODEL_NS || child.namespaceURI === PIDF_NS)) {
      pushNote(notes, child);
    } else if (child.localName === "status") {
      // Asterisk chan_sip nests the activities in a <status> inside <pp:person>.
      for (const s of child.children) if (isActivities(s)) readActivities(s, activities, otherActivities);
    }
  }
  const id = attributeValue(person, "id");
  const p: { -readonly [K in keyof PidfPerson]: PidfPerson[K] } = { activities: dedupe(activities), otherActivities, notes };
  if (id !== undefined) p.id = id;
  return p;
}

function isActivities(el: XmlElement): boolean {
  return el.localName === "activities" && (el.namespaceURI === RPID_NS || el.namespaceURI === ASTERISK_RPID_PERSON_NS);
}

// Asterisk's text form: "ep:busy" (the prefix is just text here, so it is stripped, not resolved).
const TEXT_ACTIVITY = /^(?:[A-Za-z_][\w.-]*:)?([a-z][a-z-]*)$/;

function readActivities(el: XmlElement, into: string[], others: string[]): void {
  // Activities are elements of the same namespace as <activities>; an element in any other
  // namespace is an extension we do not know, and is ignored rather than guessed at.
  let found = false;
  for (const a of el.children) {
    if (a.namespaceURI !== el.namespaceURI) continue;
    found = true;
    const name = a.localName.toLowerCase();
    into.push(name);
    if (name === "other") {
      const text = a.text.trim();
      if (text) others.push(text);
    }
  }
  if (!found) {
    const m = TEXT_ACTIVITY.exec(el.text.trim());
    if (m) into.push(m[1]!);
  }
}

function pushNote(into: PidfNote[], el: XmlElement): void {
  const text = el.text.trim();
  if (!text) return;
  const lang = attributeValue(el, "lang", XML_NAMESPACE);
  into.push(lang ? { text, lang } : { text });
}

function readDigiumPresence(tuple: XmlElement): DigiumPresence | undefined {
  for (const s of tuple.children) {
    if (s.namespaceURI !== PIDF_NS || s.localName !== "status") continue;
    for (const d of s.children) {
      if (d.localName !== "digium_presence" || d.namespaceURI !== PIDF_NS) continue;
      const type = attributeValue(d, "type")?.trim().toLowerCase();
      if (!type) return undefined;
      const subtype = attributeValue(d, "subtype")?.trim();
      const message = d.text.trim();
      const out: { -readonly [K in keyof DigiumPresence]: DigiumPresence[K] } = { type };
      if (subtype) out.subtype = subtype;
      if (message) out.message = message;
      return out;
    }
  }
  return undefined;
}

function dedupe(list: string[]): string[] {
  if (list.length < 2) return list;
  return [...new Set(list)];
}

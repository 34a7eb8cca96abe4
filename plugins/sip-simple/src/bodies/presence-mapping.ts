/**
 * What a PIDF document means, as two explicit tables (DESIGN §2: "Map PIDF basic open/closed +
 * RPID activities + note text"):
 *
 * - {@link RICH_FROM_PIDF}: PIDF → rich status of the person (`RichFacts`);
 * - {@link TELEPHONY_FROM_PIDF}: PIDF → line state (`TelephonyFacts`), for PBXs that only offer
 *   the presence event for extensions (Asterisk hints over presence answer 489 to `Event: dialog`
 *   on some setups, and chan_sip/PJSIP PIDF is then the only telephony source).
 *
 * Each table is read top to bottom and the **first matching row wins**, so the row order *is*
 * the precedence. Rich precedence when several things are said at once:
 * `closed` → offline, then do-not-disturb (activity, `rpid:other`, note, Asterisk CustomPresence),
 * then busy-like activities, then away-like activities, then note-only conventions, then
 * available. DND first because it is the user's explicit wish not to be disturbed; busy before
 * away because a person "in a meeting" and "travelling" is, right now, in the meeting and a
 * receptionist should not transfer a call either way, while "away" says less.
 */
import type { LineState, RichFacts, RichStandardStatus, TelephonyDetail, TelephonyFacts } from "@presence-hub/core";
import { sanitizeDisplayText } from "./display-text.js";
import type { PidfDocument, PidfNote } from "./pidf.js";

/** What the mapping rows look at, computed once per document. */
export interface PresenceFacts {
  /** `open` if any tuple is open, `closed` if tuples have a basic status and none is open, `none` if no tuple has one. */
  readonly basic: "open" | "closed" | "none";
  /** Activity local names from persons and tuples (RPID and Asterisk's rpid-person namespace), lower-case. */
  readonly activities: ReadonlySet<string>;
  /** Text of `<rpid:other>` activities, lower-case. */
  readonly otherActivities: readonly string[];
  /** Every note, trimmed, single-spaced and lower-case, person notes first, then tuple notes, then notes under `<presence>`. */
  readonly notes: readonly string[];
  /** The note to show: person note preferred, then tuple notes, then `<presence>` notes; sanitised; undefined when none. */
  readonly message: string | undefined;
  /** Asterisk CustomPresence type (`dnd`, `away`, `xa`, `unavailable`…), when the digium-presence tuple is present. */
  readonly digiumType: string | undefined;
}

/** A row of {@link RICH_FROM_PIDF}: when `when` holds, the person's rich status is `status`. */
export interface RichMappingRow {
  /** Stable row name, used in logs and tests. */
  readonly name: string;
  readonly when: (facts: PresenceFacts) => boolean;
  readonly status: RichStandardStatus;
}

/** A row of {@link TELEPHONY_FROM_PIDF}: when `when` holds, the line state is `line`. */
export interface TelephonyMappingRow {
  /** Stable row name, used in logs and tests. */
  readonly name: string;
  readonly when: (facts: PresenceFacts) => boolean;
  readonly line: LineState;
}

/** Options for reading notes. */
export interface PresenceMappingOptions {
  /** Preferred `xml:lang` (e.g. "de"); a note in that language wins within its level. */
  readonly language?: string;
  /** Cap on the message length in characters (code points); default 256. */
  readonly maxMessageLength?: number;
}

// RFC 4480 activities that mean "in something, do not expect them to pick up".
const BUSY_ACTIVITIES: ReadonlySet<string> = new Set([
  "busy",
  "on-the-phone",
  "meeting",
  "appointment",
  "presentation",
  "performance",
]);

// RFC 4480 activities (plus the common non-standard "lunch") that mean "not at their desk".
const AWAY_ACTIVITIES: ReadonlySet<string> = new Set([
  "away",
  "vacation",
  "holiday",
  "lunch",
  "breakfast",
  "dinner",
  "meal",
  "sleeping",
  "travel",
  "in-transit",
  "steering",
  "permanent-absence",
  "shopping",
  "spectator",
  "playing",
  "tv",
  "worship",
]);

// Element names some clients invent for DND inside <rpid:activities> (not RFC 4480).
const DND_ACTIVITIES: ReadonlySet<string> = new Set(["dnd", "do-not-disturb", "donotdisturb"]);

// "DND", "Do Not Disturb", "do-not-disturb", "Busy (DND)" (the harness and Zoiper/Bria style notes).
const DND_TEXT = /(?:^|[^a-z])(?:dnd|do[\s_-]*not[\s_-]*disturb)(?:[^a-z]|$)/;

// Note-only clients (Zoiper 5 publishes a tuple note and no RPID): exact phrases only, so a
// free-text message like "away from the phone after 5" does not flip the status.
const BUSY_NOTES: ReadonlySet<string> = new Set(["busy", "on the phone", "in a meeting", "in a call", "on a call"]);
const AWAY_NOTES: ReadonlySet<string> = new Set(["away", "be right back", "out to lunch", "extended away", "idle"]);

/**
 * PIDF → rich status. First matching row wins; see the file comment for the precedence.
 */
export const RICH_FROM_PIDF: readonly RichMappingRow[] = [
  // RFC 3863: closed = cannot be reached. Kamailio synthesises this after an unpublish, and
  // Asterisk chan_sip sends it for an unavailable extension (with ep:away, which must not win).
  { name: "closed", when: (f) => f.basic === "closed", status: "offline" },
  // No tuple status, no activity, no note: the document says nothing about the person.
  {
    name: "no-information",
    when: (f) => f.basic === "none" && f.activities.size === 0 && f.notes.length === 0 && f.digiumType === undefined,
    status: "offline",
  },
  // A DND activity element (non-standard names) or <rpid:other>dnd</rpid:other>.
  {
    name: "dnd-activity",
    when: (f) => hasAny(f.activities, DND_ACTIVITIES) || f.otherActivities.some((o) => DND_TEXT.test(o)),
    status: "dnd",
  },
  // A note meaning do-not-disturb ("Do Not Disturb", "Busy (DND)"): Zoiper, Bria and our harness
  // publish DND this way, usually next to a plain rpid:busy.
  { name: "dnd-note", when: (f) => f.notes.some((n) => DND_TEXT.test(n)), status: "dnd" },
  // Asterisk CustomPresence set to dnd (digium-presence tuple).
  { name: "dnd-asterisk-custom-presence", when: (f) => f.digiumType === "dnd", status: "dnd" },
  // busy, on-the-phone, meeting, appointment, presentation, performance.
  { name: "busy-activity", when: (f) => hasAny(f.activities, BUSY_ACTIVITIES), status: "busy" },
  // away, vacation, lunch, meals, sleeping, travel, in-transit, steering, permanent-absence…
  { name: "away-activity", when: (f) => hasAny(f.activities, AWAY_ACTIVITIES), status: "away" },
  // Asterisk CustomPresence away / xa (extended away). Its "unavailable" is deliberately not
  // mapped: Asterisk sends it for idle extensions with no presence provider ("Ready" traces).
  { name: "away-asterisk-custom-presence", when: (f) => f.digiumType === "away" || f.digiumType === "xa", status: "away" },
  // Note-only clients: "Busy", "On the phone", "In a meeting" with no RPID activity at all.
  { name: "busy-note", when: (f) => f.activities.size === 0 && f.notes.some((n) => BUSY_NOTES.has(n)), status: "busy" },
  // Note-only clients: "Away", "Be right back", "Out to lunch" with no RPID activity at all.
  { name: "away-note", when: (f) => f.activities.size === 0 && f.notes.some((n) => AWAY_NOTES.has(n)), status: "away" },
  // Open, or a person element with nothing that lowers availability.
  { name: "available", when: () => true, status: "available" },
];

/**
 * PIDF → line state, for PBXs that report extensions through the presence event. Asterisk
 * sends the same activity (`ep:busy` in chan_sip, `rpid:on-the-phone` in PJSIP) and
 * `<basic>open</basic>` for both ringing and talking; only the `<note>` tells them apart
 * ("Ringing" vs "On the phone"), so the note rows come before the activity row.
 */
export const TELEPHONY_FROM_PIDF: readonly TelephonyMappingRow[] = [
  // closed: unregistered / unavailable extension (chan_sip "Unavailable", "Not online").
  { name: "closed", when: (f) => f.basic === "closed", line: "offline" },
  // No tuple status at all: nothing known about the device.
  { name: "no-information", when: (f) => f.basic === "none", line: "offline" },
  // Asterisk: note "Ringing" (also sent for in-use-and-ringing).
  { name: "asterisk-ringing-note", when: (f) => f.notes.includes("ringing"), line: "ringing" },
  // Asterisk: note "On the phone" (in use / busy) or "On hold".
  { name: "asterisk-in-use-note", when: (f) => f.notes.includes("on the phone") || f.notes.includes("on hold"), line: "busy" },
  // Any other server or phone: RPID on-the-phone or busy.
  { name: "on-the-phone-activity", when: (f) => f.activities.has("on-the-phone") || f.activities.has("busy"), line: "busy" },
  // Open and idle (Asterisk "Ready").
  { name: "open", when: () => true, line: "available" },
];

/** Computes the facts the mapping rows test. */
export function presenceFacts(doc: PidfDocument, options: PresenceMappingOptions = {}): PresenceFacts {
  let open = false;
  let closed = false;
  const activities = new Set<string>();
  const otherActivities: string[] = [];
  const notes: string[] = [];
  for (const p of doc.persons) {
    for (const a of p.activities) activities.add(a);
    for (const o of p.otherActivities) otherActivities.push(o.toLowerCase());
    for (const n of p.notes) notes.push(normalizeNote(n.text));
  }
  for (const t of doc.tuples) {
    if (t.basic === "open") open = true;
    else if (t.basic === "closed") closed = true;
    for (const a of t.activities) activities.add(a);
    for (const o of t.otherActivities) otherActivities.push(o.toLowerCase());
    for (const n of t.notes) notes.push(normalizeNote(n.text));
  }
  for (const n of doc.notes) notes.push(normalizeNote(n.text));
  return {
    basic: open ? "open" : closed ? "closed" : "none",
    activities,
    otherActivities,
    notes,
    message: pickMessage(doc, options),
    digiumType: doc.digiumPresence?.type,
  };
}

/** The first rich row that matches (the last row always does). */
export function matchRichRow(facts: PresenceFacts): RichMappingRow {
  for (const row of RICH_FROM_PIDF) if (row.when(facts)) return row;
  return RICH_FROM_PIDF[RICH_FROM_PIDF.length - 1]!;
}

/** The first telephony row that matches (the last row always does). */
export function matchTelephonyRow(facts: PresenceFacts): TelephonyMappingRow {
  for (const row of TELEPHONY_FROM_PIDF) if (row.when(facts)) return row;
  return TELEPHONY_FROM_PIDF[TELEPHONY_FROM_PIDF.length - 1]!;
}

/** PIDF → rich report: status by {@link RICH_FROM_PIDF}, message = the preferred note, sanitised. */
export function richFromPidf(doc: PidfDocument, options?: PresenceMappingOptions): RichFacts {
  const facts = presenceFacts(doc, options);
  const status = matchRichRow(facts).status;
  return facts.message === undefined ? { kind: "state", status } : { kind: "state", status, message: facts.message };
}

/** PIDF → telephony report: line by {@link TELEPHONY_FROM_PIDF}; the note goes to `detail.note`. */
export function telephonyFromPidf(doc: PidfDocument, options?: PresenceMappingOptions): TelephonyFacts {
  const facts = presenceFacts(doc, options);
  const line = matchTelephonyRow(facts).line;
  if (facts.message === undefined) return { kind: "state", line };
  const detail: TelephonyDetail = { note: facts.message };
  return { kind: "state", line, detail };
}

function pickMessage(doc: PidfDocument, options: PresenceMappingOptions): string | undefined {
  const max = options.maxMessageLength ?? 256;
  // Levels in order of preference: the person's own note, then the tuples', then <presence>'s.
  for (const p of doc.persons) {
    const s = fromLevel(p.notes, options.language, max);
    if (s !== undefined) return s;
  }
  for (const t of doc.tuples) {
    const s = fromLevel(t.notes, options.language, max);
    if (s !== undefined) return s;
  }
  return fromLevel(doc.notes, options.language, max);
}

function fromLevel(notes: readonly PidfNote[], language: string | undefined, max: number): string | undefined {
  const note = pickNote(notes, language);
  return note ? sanitizeDisplayText(note.text, max) : undefined;
}

/** Lower-case, single-spaced: how notes are compared with the tables' phrases. */
function normalizeNote(text: string): string {
  return text.replace(/\s+/g, " ").toLowerCase();
}

function pickNote(notes: readonly PidfNote[], language: string | undefined): PidfNote | undefined {
  if (notes.length === 0) return undefined;
  if (language) {
    const want = language.toLowerCase();
    const primary = want.split("-")[0];
    const exact = notes.find((n) => n.lang?.toLowerCase() === want);
    if (exact) return exact;
    const sameFamily = notes.find((n) => n.lang?.toLowerCase().split("-")[0] === primary);
    if (sameFamily) return sameFamily;
    const untagged = notes.find((n) => n.lang === undefined);
    if (untagged) return untagged;
  }
  return notes[0];
}

function hasAny(set: ReadonlySet<string>, wanted: ReadonlySet<string>): boolean {
  for (const v of set) if (wanted.has(v)) return true;
  return false;
}

/**
 * Bodies the SIPp publishers send: PIDF with RPID (RFC 3863, RFC 4480) and dialog-info
 * (RFC 4235), shaped like what phones and PBXs publish.
 *
 * RPID has no "do not disturb" activity: phones publish `<rpid:busy/>` and say "Do not
 * disturb" in the note, so the `dnd` preset does the same. A connector can only tell it from
 * `busy` by the note text (as with Asterisk's "Ringing" vs "On the phone").
 */

/** The states the publisher knows by name. */
export type PresenceStateName = "available" | "away" | "busy" | "dnd" | "on-the-phone" | "offline";

/** What a PIDF document says: basic status, RPID activities and a note. */
export interface PresenceDocument {
  /** PIDF `<basic>`. */
  basic: "open" | "closed";
  /** RPID activity element names, e.g. `["away"]`, `["busy"]`, `["on-the-phone"]`. */
  activities: readonly string[];
  /** Note text (tuple and person `<note>`); omitted when undefined. */
  note?: string;
}

/** The presets: open/available, away, busy, DND, on the phone, closed/offline. */
export const PRESENCE_STATES: Readonly<Record<PresenceStateName, PresenceDocument>> = {
  available: { basic: "open", activities: [], note: "Available" },
  away: { basic: "open", activities: ["away"], note: "Away" },
  busy: { basic: "open", activities: ["busy"], note: "Busy" },
  dnd: { basic: "open", activities: ["busy"], note: "Do not disturb" },
  "on-the-phone": { basic: "open", activities: ["on-the-phone"], note: "On the phone" },
  offline: { basic: "closed", activities: [], note: "Offline" },
};

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

/** A PIDF+RPID document for `entity` (e.g. `sip:alice@127.0.0.1`). */
export function pidfBody(entity: string, doc: PresenceDocument, options: { tupleId?: string; personId?: string; contact?: string } = {}): string {
  const user = /^sips?:([^@;]+)/.exec(entity)?.[1] ?? "x";
  const note = doc.note === undefined ? undefined : xmlEscape(doc.note);
  const activities = doc.activities.length > 0 ? `<rpid:activities>${doc.activities.map((a) => `<rpid:${a}/>`).join("")}</rpid:activities>` : undefined;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"',
    `    xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${xmlEscape(entity)}">`,
    `  <tuple id="${xmlEscape(options.tupleId ?? `t-${user}`)}">`,
    `    <status><basic>${doc.basic}</basic></status>`,
    `    <contact>${xmlEscape(options.contact ?? entity)}</contact>`,
    ...(note !== undefined ? [`    <note>${note}</note>`] : []),
    "  </tuple>",
    `  <dm:person id="${xmlEscape(options.personId ?? `p-${user}`)}">`,
    ...(activities ? [`    ${activities}`] : []),
    ...(note !== undefined ? [`    <dm:note>${note}</dm:note>`] : []),
    "  </dm:person>",
    "</presence>",
  ].join("\n");
}

/** RFC 4235 dialog states. */
export type DialogState = "trying" | "proceeding" | "early" | "confirmed" | "terminated";

/** One dialog of a dialog-info document. */
export interface DialogInfo {
  state: DialogState;
  /** `initiator` (the presentity called) or `recipient` (it is being called). Default recipient. */
  direction?: "initiator" | "recipient";
  /** The other party, a user name or a URI. Default `bob`. */
  remote?: string;
  /** Display name of the other party. */
  remoteDisplay?: string;
  /** `<dialog id>`; keep it across the states of one call. Default `d1`. */
  id?: string;
  /** call-id attribute. Default `call-<id>`. */
  callId?: string;
}

/** A full-state dialog-info document for `entity` (e.g. `sip:alice@127.0.0.1`). */
export function dialogInfoBody(entity: string, version: number, dialog: DialogInfo): string {
  const domain = /@([^;>]+)/.exec(entity)?.[1] ?? "127.0.0.1";
  const remote = dialog.remote ?? "bob";
  const remoteUri = /^sips?:/.test(remote) ? remote : `sip:${remote}@${domain}`;
  const id = dialog.id ?? "d1";
  const display = dialog.remoteDisplay === undefined ? "" : ` display="${xmlEscape(dialog.remoteDisplay)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="${xmlEscape(entity)}">`,
    `  <dialog id="${xmlEscape(id)}" call-id="${xmlEscape(dialog.callId ?? `call-${id}`)}" local-tag="lt-${xmlEscape(id)}" remote-tag="rt-${xmlEscape(id)}" direction="${dialog.direction ?? "recipient"}">`,
    `    <state>${dialog.state}</state>`,
    `    <remote><identity${display}>${xmlEscape(remoteUri)}</identity><target uri="${xmlEscape(remoteUri)}"/></remote>`,
    `    <local><identity>${xmlEscape(entity)}</identity><target uri="${xmlEscape(entity)}"/></local>`,
    "  </dialog>",
    "</dialog-info>",
  ].join("\n");
}

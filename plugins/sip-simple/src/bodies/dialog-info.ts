/**
 * dialog-info (RFC 4235) → line state, with a per-subscription {@link DialogInfoTracker} that
 * applies full and partial documents in version order.
 *
 * What the field does to this event package (../notes/field-survey.md §2), and what we do:
 * - Kamailio aggregates every live publication into one multi-`<dialog>` document: the line
 *   state is an aggregate over dialogs (any confirmed → busy, else ringing, else dialing).
 * - Kamailio's pua_dialoginfo writes `Trying` (capital T): state names are case-insensitive.
 * - `<state>` may be missing (the dialog is ignored) and call-id / tags may be missing
 *   (Asterisk PJSIP sends neither): dialogs are keyed by `id`, with a fallback key.
 * - After a server restart `version` starts again from 0/1: a lower version is accepted only
 *   with `state="full"`, which is self-contained; a partial document after a gap or a reset
 *   asks the subscription layer to re-SUBSCRIBE (`resyncNeeded`).
 * - dialog-info cannot tell an idle extension from an unregistered one (Asterisk sends
 *   `terminated` for both; Kamailio sends an empty document). We report `available` for an
 *   empty or all-terminated document: a NOTIFY proves the server knows the extension, and
 *   showing a reachable colleague as offline would stop a receptionist from transferring to
 *   them, which is worse than the rarer opposite. Registration state, where a server offers it,
 *   is the source to tell them apart.
 */
import { type TelephonyDetail, type TelephonyFacts, type XmlElement, type XmlErrorCode, type XmlLimits, attributeValue, firstChild, readRoot } from "@presence-hub/core";
import { sanitizeDisplayText } from "./display-text.js";

/** dialog-info namespace (RFC 4235). */
export const DIALOG_INFO_NS = "urn:ietf:params:xml:ns:dialog-info";

/** RFC 4235 dialog states, lower-case. */
export type DialogState = "trying" | "proceeding" | "early" | "confirmed" | "terminated";

/** One side of a dialog (`<local>` or `<remote>`). */
export interface DialogParty {
  /** `<identity>` URI. */
  readonly identity?: string;
  /** `display` attribute of `<identity>`. */
  readonly display?: string;
  /** `uri` attribute of `<target>`. */
  readonly target?: string;
}

/** One `<dialog>` with a known state. */
export interface DialogEntry {
  /** `id`, or a fallback built from call-id and tags (or the position) when the sender omitted it. */
  readonly id: string;
  readonly callId?: string;
  readonly localTag?: string;
  readonly remoteTag?: string;
  /** Unknown or absent direction is left undefined. */
  readonly direction?: "initiator" | "recipient";
  readonly state: DialogState;
  /** `event` attribute of `<state>` (why a dialog terminated: rejected, cancelled, replaced…). */
  readonly event?: string;
  readonly local?: DialogParty;
  readonly remote?: DialogParty;
}

/** A dialog-info document as received. */
export interface DialogInfoDocument {
  /** `version`, or null when absent or not a number (then no gap can be detected). */
  readonly version: number | null;
  /** `state`; a missing or unknown value is read as `full` (every server we know sends it, and full is the safe reading). */
  readonly state: "full" | "partial";
  readonly entity?: string;
  readonly dialogs: readonly DialogEntry[];
  /** `<dialog>` elements dropped because their `<state>` was missing or unknown. */
  readonly ignoredDialogs: number;
}

/** Outcome of {@link parseDialogInfo}. */
export type DialogInfoParseResult =
  | { readonly ok: true; readonly document: DialogInfoDocument }
  | { readonly ok: false; readonly code: XmlErrorCode | "not-dialog-info"; readonly reason: string };

/** Reads a dialog-info body (bytes, text, or an already read root). Never throws for bad input. */
export function parseDialogInfo(input: string | Uint8Array | XmlElement, limits?: Partial<XmlLimits>): DialogInfoParseResult {
  const read = readRoot(input, limits);
  if (!read.ok) return read;
  const root = read.root;
  const document = dialogInfoFromElement(root);
  if (!document) {
    return { ok: false, code: "not-dialog-info", reason: `root element is {${root.namespaceURI}}${root.localName}, not <dialog-info>` };
  }
  return { ok: true, document };
}

const VERSION = /^\s*(\d{1,15})\s*$/;

/** Interprets an element as `<dialog-info>`; null when it is not one. */
export function dialogInfoFromElement(root: XmlElement): DialogInfoDocument | null {
  if (root.namespaceURI !== DIALOG_INFO_NS || root.localName !== "dialog-info") return null;
  const v = VERSION.exec(attributeValue(root, "version") ?? "");
  const state = attributeValue(root, "state")?.trim().toLowerCase() === "partial" ? "partial" : "full";
  const dialogs: DialogEntry[] = [];
  let ignored = 0;
  let position = 0;
  for (const el of root.children) {
    if (el.namespaceURI !== DIALOG_INFO_NS || el.localName !== "dialog") continue;
    const entry = readDialog(el, position++);
    if (entry) dialogs.push(entry);
    else ignored++;
  }
  const entity = attributeValue(root, "entity");
  const doc: { -readonly [K in keyof DialogInfoDocument]: DialogInfoDocument[K] } = {
    version: v ? Number(v[1]) : null,
    state,
    dialogs,
    ignoredDialogs: ignored,
  };
  if (entity !== undefined) doc.entity = entity;
  return doc;
}

const STATES: ReadonlySet<string> = new Set(["trying", "proceeding", "early", "confirmed", "terminated"]);

function readDialog(el: XmlElement, position: number): DialogEntry | null {
  const stateEl = firstChild(el, DIALOG_INFO_NS, "state");
  if (!stateEl) return null;
  const state = stateEl.text.trim().toLowerCase();
  if (!STATES.has(state)) return null;
  const callId = nonEmpty(attributeValue(el, "call-id"));
  const localTag = nonEmpty(attributeValue(el, "local-tag"));
  const remoteTag = nonEmpty(attributeValue(el, "remote-tag"));
  const dir = attributeValue(el, "direction")?.trim().toLowerCase();
  // RFC 4235 requires id; without one, call-id + tags identify the dialog, and the position is
  // the last resort (it can only be replaced by a full document, which is what such senders send).
  const id = nonEmpty(attributeValue(el, "id")) ?? (callId ? `${callId};${localTag ?? ""};${remoteTag ?? ""}` : `#${position}`);
  const entry: { -readonly [K in keyof DialogEntry]: DialogEntry[K] } = { id, state: state as DialogState };
  if (callId) entry.callId = callId;
  if (localTag) entry.localTag = localTag;
  if (remoteTag) entry.remoteTag = remoteTag;
  if (dir === "initiator" || dir === "recipient") entry.direction = dir;
  const event = nonEmpty(attributeValue(stateEl, "event"));
  if (event) entry.event = event;
  const local = readParty(firstChild(el, DIALOG_INFO_NS, "local"));
  if (local) entry.local = local;
  const remote = readParty(firstChild(el, DIALOG_INFO_NS, "remote"));
  if (remote) entry.remote = remote;
  return entry;
}

function readParty(el: XmlElement | undefined): DialogParty | undefined {
  if (!el) return undefined;
  const party: { -readonly [K in keyof DialogParty]: DialogParty[K] } = {};
  const identity = firstChild(el, DIALOG_INFO_NS, "identity");
  if (identity) {
    const uri = nonEmpty(identity.text.trim());
    if (uri) party.identity = uri;
    const display = nonEmpty(attributeValue(identity, "display")?.trim());
    if (display) party.display = display;
  }
  const target = firstChild(el, DIALOG_INFO_NS, "target");
  const targetUri = target ? nonEmpty(attributeValue(target, "uri")?.trim()) : undefined;
  if (targetUri) party.target = targetUri;
  return party.identity || party.display || party.target ? party : undefined;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

/**
 * Aggregates dialogs into one line state:
 * 1. no live (non-terminated) dialog → `available` (see the file comment on idle vs unregistered);
 * 2. any `confirmed` → `busy`;
 * 3. else any trying/proceeding/early as recipient → `ringing`. A dialog without `direction` is
 *    read as incoming: Asterisk omits it (older releases) and only ever reports `early` for a
 *    ringing extension;
 * 4. else (trying/proceeding/early as initiator: the user is dialing) → `busy`.
 *
 * Detail: direction and remote party of the dialog that decided the state, and the number of
 * live dialogs.
 */
export function telephonyFromDialogs(dialogs: Iterable<DialogEntry>): TelephonyFacts {
  let confirmed: DialogEntry | undefined;
  let ringing: DialogEntry | undefined;
  let dialing: DialogEntry | undefined;
  let live = 0;
  for (const d of dialogs) {
    if (d.state === "terminated") continue;
    live++;
    if (d.state === "confirmed") confirmed ??= d;
    else if (d.direction === "initiator") dialing ??= d;
    else ringing ??= d;
  }
  if (live === 0) return { kind: "state", line: "available" };
  const main = (confirmed ?? ringing ?? dialing)!;
  const line = confirmed || !ringing ? "busy" : "ringing";
  const detail: { -readonly [K in keyof TelephonyDetail]: TelephonyDetail[K] } = { calls: live };
  if (main.direction) detail.direction = main.direction === "recipient" ? "inbound" : "outbound";
  const remote = remoteParty(main.remote);
  if (remote) detail.remoteParty = remote;
  return { kind: "state", line, detail };
}

/** `Display <uri>` when both are known, else whichever is; identity preferred over target. */
function remoteParty(p: DialogParty | undefined): string | undefined {
  if (!p) return undefined;
  const uri = p.identity ?? p.target;
  const display = p.display === undefined ? undefined : sanitizeDisplayText(p.display, 128);
  const safeUri = uri === undefined ? undefined : sanitizeDisplayText(uri, 256);
  if (display && safeUri) return `${display} <${safeUri}>`;
  return safeUri ?? display;
}

/** What a {@link DialogInfoTracker} did with one document. */
export interface DialogInfoUpdate {
  /** False when the document was dropped (duplicate or stale partial); the report is then unchanged. */
  readonly applied: boolean;
  /**
   * True when state may have been missed (a version gap before a partial document, a partial
   * document older than the last one, or a partial document first): the subscription layer
   * should refresh the subscription to get full state.
   */
  readonly resyncNeeded: boolean;
  /** Why the document was not applied cleanly, for logs. */
  readonly note?: "duplicate" | "stale-partial" | "version-gap" | "partial-before-full";
  /** Line state over the tracked dialogs after this document. */
  readonly report: TelephonyFacts;
}

/**
 * Per-subscription dialog state: applies documents in version order and aggregates the live
 * dialogs. One tracker per dialog subscription (or per RLS resource); `reset()` when the
 * subscription is re-created.
 */
export class DialogInfoTracker {
  /**
   * Live dialogs by id; null while there are none (most lines, most of the time): an empty Map
   * still costs about 180 bytes, once per telephony subscription.
   */
  private dialogs: Map<string, DialogEntry> | null = null;
  private lastVersion: number | null = null;
  private hadFull = false;

  /** Upper bound on tracked dialogs, so a hostile server cannot grow memory per subscription. */
  constructor(private readonly maxDialogs = 64) {}

  /** Version of the last applied document, or null before the first (or when the server sends none). */
  get version(): number | null {
    return this.lastVersion;
  }

  /** The live dialogs, in arrival order. */
  get liveDialogs(): readonly DialogEntry[] {
    return this.dialogs ? [...this.dialogs.values()] : [];
  }

  /** Applies one document; see {@link DialogInfoUpdate}. */
  update(doc: DialogInfoDocument): DialogInfoUpdate {
    const v = doc.version;
    const last = this.lastVersion;
    let note: DialogInfoUpdate["note"];
    if (doc.state === "partial") {
      if (v !== null && last !== null && v <= last) {
        // Equal: a repeat of what we have. Lower: the server restarted and lost our state (a
        // reordered NOTIFY would have been refused by CSeq already), so ask for full state.
        if (v === last) return { applied: false, resyncNeeded: false, note: "duplicate", report: this.report() };
        return { applied: false, resyncNeeded: true, note: "stale-partial", report: this.report() };
      }
      if (!this.hadFull) note = "partial-before-full";
      else if (v !== null && last !== null && v > last + 1) note = "version-gap";
      // Apply anyway: the changes it carries are real; the refresh then brings the rest.
      for (const d of doc.dialogs) {
        if (d.state === "terminated") this.dialogs?.delete(d.id);
        else this.put(d);
      }
      if (this.dialogs?.size === 0) this.dialogs = null;
    } else {
      // Full state replaces everything, whatever its version: after a server restart the
      // version goes back to 0/1 and a full document is self-contained.
      this.dialogs = null;
      for (const d of doc.dialogs) if (d.state !== "terminated") this.put(d);
      this.hadFull = true;
    }
    if (v !== null) this.lastVersion = v;
    const update = { applied: true, resyncNeeded: note !== undefined, report: this.report() };
    return note === undefined ? update : { ...update, note };
  }

  /** Forgets everything (new subscription dialog). */
  reset(): void {
    this.dialogs = null;
    this.lastVersion = null;
    this.hadFull = false;
  }

  /** Line state over the tracked dialogs. */
  report(): TelephonyFacts {
    return telephonyFromDialogs(this.dialogs?.values() ?? []);
  }

  private put(d: DialogEntry): void {
    const dialogs = (this.dialogs ??= new Map());
    if (dialogs.has(d.id) || dialogs.size < this.maxDialogs) dialogs.set(d.id, d);
  }
}

/**
 * RLMI, the Resource List Meta-Information of RFC 4662 (`application/rlmi+xml`): the root part
 * of a resource-list NOTIFY, saying which list it is, its `version`, whether it is full state,
 * and for each resource its back-end subscription instances with the Content-ID (`cid`) of the
 * body part that carries the resource's state.
 *
 * Kamailio's first (full-state) RLMI lists resources without `<instance>` because the back-end
 * state is not known yet; later partial ones carry `<instance id state cid>` plus one part per
 * changed resource (shared/harness/README.md).
 */
import { normalizeContentId } from "./multipart.js";
import { type XmlElement, type XmlErrorCode, type XmlLimits, attributeValue, readRoot } from "@presence-hub/core";

/** RLMI namespace (RFC 4662). */
export const RLMI_NS = "urn:ietf:params:xml:ns:rlmi";

/** One back-end subscription of a resource. */
export interface RlmiInstance {
  readonly id: string;
  readonly state: "active" | "pending" | "terminated";
  /** Why a terminated instance ended (rejected, timeout, noresource…). */
  readonly reason?: string;
  /** Content-ID of the part with this instance's state, normalised (no `<>`); absent when no state is sent. */
  readonly cid?: string;
}

/** One resource (usually a user's URI) of the list. */
export interface RlmiResource {
  readonly uri: string;
  readonly instances: readonly RlmiInstance[];
}

/** An RLMI `<list>` document. */
export interface RlmiList {
  readonly uri: string;
  /** `version`, or null when absent or not a number (then no gap can be detected). */
  readonly version: number | null;
  readonly fullState: boolean;
  readonly resources: readonly RlmiResource[];
}

/** Outcome of {@link parseRlmi}. */
export type RlmiParseResult =
  | { readonly ok: true; readonly list: RlmiList }
  | { readonly ok: false; readonly code: XmlErrorCode | "not-rlmi"; readonly reason: string };

/** Reads an RLMI document (bytes, text, or an already read root). Never throws for bad input. */
export function parseRlmi(input: string | Uint8Array | XmlElement, limits?: Partial<XmlLimits>): RlmiParseResult {
  const read = readRoot(input, limits);
  if (!read.ok) return read;
  const root = read.root;
  if (root.namespaceURI !== RLMI_NS || root.localName !== "list") {
    return { ok: false, code: "not-rlmi", reason: `root element is {${root.namespaceURI}}${root.localName}, not an RLMI <list>` };
  }
  const uri = attributeValue(root, "uri")?.trim();
  if (!uri) return { ok: false, code: "not-rlmi", reason: "RLMI <list> without uri" };
  const full = attributeValue(root, "fullState")?.trim().toLowerCase();
  if (full !== "true" && full !== "false" && full !== "1" && full !== "0") {
    return { ok: false, code: "not-rlmi", reason: "RLMI <list> without a true/false fullState" };
  }
  const v = /^\s*(\d{1,15})\s*$/.exec(attributeValue(root, "version") ?? "");
  const resources: RlmiResource[] = [];
  for (const el of root.children) {
    if (el.namespaceURI !== RLMI_NS || el.localName !== "resource") continue;
    const resourceUri = attributeValue(el, "uri")?.trim();
    if (!resourceUri) continue; // a resource we cannot name cannot be matched to a user
    const instances: RlmiInstance[] = [];
    for (const inst of el.children) {
      if (inst.namespaceURI !== RLMI_NS || inst.localName !== "instance") continue;
      const id = attributeValue(inst, "id")?.trim();
      const state = attributeValue(inst, "state")?.trim().toLowerCase();
      if (!id || (state !== "active" && state !== "pending" && state !== "terminated")) continue;
      const out: { -readonly [K in keyof RlmiInstance]: RlmiInstance[K] } = { id, state };
      const reason = attributeValue(inst, "reason")?.trim();
      if (reason) out.reason = reason;
      const cid = attributeValue(inst, "cid");
      if (cid && normalizeContentId(cid)) out.cid = normalizeContentId(cid);
      instances.push(out);
    }
    resources.push({ uri: resourceUri, instances });
  }
  return { ok: true, list: { uri, version: v ? Number(v[1]) : null, fullState: full === "true" || full === "1", resources } };
}

/** A resource instance with the body part that carries its state (by `cid`). */
export interface RlmiPairing<P> {
  readonly resourceUri: string;
  /** Absent for a resource listed without instances (state not known yet). */
  readonly instance?: RlmiInstance;
  /** Absent when the instance has no `cid` or no part has that Content-ID. */
  readonly part?: P;
}

/**
 * Pairs every resource instance with its body part by Content-ID. Resources without instances
 * yield one pairing without an instance, so the caller sees every listed resource.
 */
export function pairRlmiParts<P extends { readonly contentId: string | null }>(list: RlmiList, parts: readonly P[]): RlmiPairing<P>[] {
  const byCid = new Map<string, P>();
  for (const p of parts) if (p.contentId !== null && !byCid.has(p.contentId)) byCid.set(p.contentId, p);
  const out: RlmiPairing<P>[] = [];
  for (const r of list.resources) {
    if (r.instances.length === 0) {
      out.push({ resourceUri: r.uri });
      continue;
    }
    for (const instance of r.instances) {
      const part = instance.cid === undefined ? undefined : byCid.get(instance.cid);
      out.push(part === undefined ? { resourceUri: r.uri, instance } : { resourceUri: r.uri, instance, part });
    }
  }
  return out;
}

/** What an {@link RlmiTracker} did with one list document. */
export interface RlmiUpdate {
  /** False when the document was dropped (duplicate or stale partial). */
  readonly applied: boolean;
  /** Whether the document is full state (every resource listed) or partial (changes only). */
  readonly full: boolean;
  /** True when state may have been missed: refresh the list subscription to get full state. */
  readonly resyncNeeded: boolean;
  /** Why the document was not applied cleanly, for logs. */
  readonly note?: "duplicate" | "stale-partial" | "version-gap" | "partial-before-full";
  /** On full state: resources that were in the previous full list and are not any more. */
  readonly removedResources: readonly string[];
}

/**
 * Per-list-subscription version tracking (RFC 4662 §5.2): versions increase by one per
 * NOTIFY; a gap before a partial document means changes were missed; a lower version is
 * accepted only as full state (server restart). Tracks the resource set so the caller can
 * clear users who left the list.
 */
export class RlmiTracker {
  private lastVersion: number | null = null;
  private hadFull = false;
  private resources = new Set<string>();

  /** Version of the last applied list, or null before the first. */
  get version(): number | null {
    return this.lastVersion;
  }

  /** Resource URIs known from full and partial documents since the last full one. */
  get resourceUris(): ReadonlySet<string> {
    return this.resources;
  }

  /** Applies one RLMI list; see {@link RlmiUpdate}. */
  update(list: RlmiList): RlmiUpdate {
    const v = list.version;
    const last = this.lastVersion;
    if (!list.fullState) {
      if (v !== null && last !== null && v <= last) {
        if (v === last) return { applied: false, full: false, resyncNeeded: false, note: "duplicate", removedResources: [] };
        return { applied: false, full: false, resyncNeeded: true, note: "stale-partial", removedResources: [] };
      }
      let note: RlmiUpdate["note"];
      if (!this.hadFull) note = "partial-before-full";
      else if (v !== null && last !== null && v > last + 1) note = "version-gap";
      for (const r of list.resources) this.resources.add(r.uri);
      if (v !== null) this.lastVersion = v;
      const update = { applied: true, full: false, resyncNeeded: note !== undefined, removedResources: [] };
      return note === undefined ? update : { ...update, note };
    }
    const next = new Set(list.resources.map((r) => r.uri));
    const removed = this.hadFull ? [...this.resources].filter((u) => !next.has(u)) : [];
    this.resources = next;
    this.hadFull = true;
    if (v !== null) this.lastVersion = v;
    return { applied: true, full: true, resyncNeeded: false, removedResources: removed };
  }

  /** Forgets everything (new list subscription). */
  reset(): void {
    this.lastVersion = null;
    this.hadFull = false;
    this.resources = new Set();
  }
}

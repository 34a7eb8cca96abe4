import { sipUriKey, type PresenceField, type RichReport, type TelephonyReport } from "@presence-hub/core";
import type { DispatchedBody, RlmiResourceBody } from "./bodies/body-dispatch.js";
import { RlmiTracker } from "./bodies/rlmi.js";
import { mapRichBody, TelephonyNotifyMapper, type MappedNotify } from "./notify-mapper.js";

/** What one list NOTIFY changed. */
export interface ListUpdate {
  /** Reports per resource key (`user@host`), in document order. */
  readonly reports: ReadonlyMap<string, TelephonyReport | RichReport>;
  /** The list's membership is known anew (full state): who is covered may have changed. */
  readonly membershipChanged: boolean;
  /** State may have been missed: re-subscribe the list for full state. */
  readonly resync: boolean;
  /** Problems with single resources, for the log. */
  readonly problems: readonly string[];
}

/**
 * The state of one RFC 4662 list subscription for one field: which resources the list covers
 * (known from its first full-state NOTIFY), the last report per resource (so a user who starts
 * being watched later gets it at once), and the per-resource dialog trackers. Resources are
 * keyed by `user@host` (sipUriKey), the same key the connector derives for its targets.
 */
export class ResourceList {
  private readonly tracker = new RlmiTracker();
  private readonly last = new Map<string, TelephonyReport | RichReport>();
  private readonly mappers = new Map<string, TelephonyNotifyMapper>();
  private members: Set<string> | null = null;
  /** Members the server has said anything of (an instance, whatever its state) since the list was (re)subscribed. */
  private readonly heard = new Set<string>();
  /** Members watched one by one because the list said nothing of them in time (see {@link release}). */
  private readonly released = new Set<string>();

  constructor(readonly field: PresenceField) {}

  /** Whether the list's full state is known and includes `key` (and still serves it); null while unknown. */
  covers(key: string): boolean | null {
    return this.members === null ? null : this.members.has(key) && !this.released.has(key);
  }

  /** Members the list names but has sent no instance for, not yet released. */
  silentMembers(): string[] {
    const silent: string[] = [];
    for (const key of this.members ?? []) if (!this.heard.has(key) && !this.released.has(key)) silent.push(key);
    return silent;
  }

  /**
   * Stops covering these members until the list speaks of them (then they are covered again:
   * `membershipChanged`). An RLS can list a member and never send its state: Kamailio 5.6 loses
   * a few members of a big list to a race in its timer until the back-end refresh, minutes later.
   */
  release(keys: Iterable<string>): void {
    for (const key of keys) if (this.members?.has(key)) this.released.add(key);
  }

  /** The last report for a covered resource, if any came yet. */
  lastReport(key: string): TelephonyReport | RichReport | undefined {
    return this.last.get(key);
  }

  /** The list subscription was lost or re-created: forget membership until the next full state. */
  reset(): void {
    this.members = null;
    this.heard.clear();
    this.released.clear();
    for (const m of this.mappers.values()) m.reset();
  }

  /** Applies one list NOTIFY body. */
  apply(body: DispatchedBody): ListUpdate | { readonly error: string } {
    if (body.kind === "empty") {
      // RLS servers send RLMI even before back-end state is known; an empty body means the
      // server treated the URI as a plain presentity (Kamailio does when the list is unknown).
      if (this.members === null) return { error: "an empty body instead of a resource list" };
      return { reports: new Map(), membershipChanged: false, resync: false, problems: [] };
    }
    if (body.kind === "error") return { error: `${body.reason}: ${body.detail}` };
    if (body.kind !== "rlmi") return { error: `a ${body.kind} body on a resource-list subscription` };
    const update = this.tracker.update(body.list);
    if (!update.applied) return { reports: new Map(), membershipChanged: false, resync: update.resyncNeeded, problems: [] };
    let membershipChanged = false;
    if (update.full) {
      this.members = new Set();
      for (const r of body.list.resources) {
        const key = sipUriKey(r.uri);
        if (key) this.members.add(key);
      }
      for (const gone of update.removedResources) {
        const key = sipUriKey(gone);
        if (key) {
          this.last.delete(key);
          this.mappers.delete(key);
          this.heard.delete(key);
          this.released.delete(key);
        }
      }
      membershipChanged = true;
    } else if (this.members) {
      for (const r of body.list.resources) {
        const key = sipUriKey(r.uri);
        if (key && !this.members.has(key)) {
          this.members.add(key);
          membershipChanged = true;
        }
      }
    }
    const reports = new Map<string, TelephonyReport | RichReport>();
    const problems: string[] = [];
    for (const resource of body.resources) {
      const key = sipUriKey(resource.resourceUri);
      if (!key) {
        problems.push(`resource ${resource.resourceUri} is not a SIP URI`);
        continue;
      }
      if (resource.instance) {
        this.heard.add(key);
        if (this.released.delete(key)) membershipChanged = true;
      }
      const report = this.resourceReport(key, resource, problems);
      if (report) {
        this.last.set(key, report);
        reports.set(key, report);
      }
    }
    return { reports, membershipChanged, resync: update.resyncNeeded, problems };
  }

  private resourceReport(key: string, resource: RlmiResourceBody, problems: string[]): TelephonyReport | RichReport | null {
    const instance = resource.instance;
    if (!instance) return null; // listed, state not known yet (first full state)
    if (instance.state === "pending") return { kind: "requesting" };
    if (instance.state === "terminated") {
      const reason = instance.reason?.toLowerCase();
      const status = reason === "rejected" ? "access-denied" : reason === "noresource" ? "not-found" : "error";
      return { kind: "error", status, reason: `list member subscription terminated${reason ? `: ${reason}` : ""}` };
    }
    if (!resource.body) return null;
    let mapped: MappedNotify<TelephonyReport | RichReport>;
    if (this.field === "rich") mapped = mapRichBody(resource.body);
    else {
      let mapper = this.mappers.get(key);
      if (!mapper) this.mappers.set(key, (mapper = new TelephonyNotifyMapper()));
      mapped = mapper.mapBody(resource.body);
    }
    if (mapped.kind === "bad-body") {
      problems.push(`${resource.resourceUri}: ${mapped.reason}`);
      return null;
    }
    return mapped.kind === "report" ? mapped.report : null;
  }
}

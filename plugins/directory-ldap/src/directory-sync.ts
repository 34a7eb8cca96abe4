import { ConfigError, ConflictError, type Clock, type Logger, type User, type UserInput } from "@presence-hub/core";
import type { AttributeMapping } from "./attribute-mapping.js";
import { DirectoryError } from "./directory-error.js";
import type { DirectoryReader } from "./ldap-directory.js";
import { planSync, type FieldChange, type SyncPlan } from "./sync-plan.js";
import type { SyncReport, SyncTrigger } from "./sync-report.js";
import { byDn } from "./directory-entry.js";

/** The part of the hub a sync uses: its users, changed live (consoles get each change at once). */
export interface HubUsers {
  users(): User[];
  saveUser(input: UserInput): Promise<"created" | "updated" | "unchanged">;
  removeUser(username: string): Promise<boolean>;
}

export interface DirectorySyncOptions {
  readonly origin: string;
  readonly mapping: AttributeMapping;
  /** What the report names as the source. */
  readonly source: { readonly url: string; readonly baseDn: string; readonly filter: string };
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One add or update on its way into the hub. */
interface Pending {
  readonly dn: string;
  readonly user: User;
  readonly before: User | null;
  readonly changes: readonly FieldChange[];
  /** Its old keys were cleared to break a swap; restore them if it still fails. */
  released: boolean;
  lastError: string;
}

/**
 * Runs syncs, one at a time (a request made during a run waits for it), and keeps the last
 * reports. A run reads the whole directory first, plans every change (see {@link planSync}),
 * then applies it through the hub — or, in a dry run, only reports it. A run that cannot read
 * the directory changes nothing.
 */
export class DirectorySync {
  private chain: Promise<unknown> = Promise.resolve();
  private active = 0;
  private last: SyncReport | null = null;
  private lastDry: SyncReport | null = null;
  private lastSuccess: number | null = null;

  constructor(
    private readonly reader: DirectoryReader,
    private readonly hub: HubUsers,
    private readonly options: DirectorySyncOptions,
  ) {}

  /** Runs one sync after any run in progress; never rejects: a failure is a report with `outcome: "failed"`. */
  run(trigger: SyncTrigger, dryRun: boolean): Promise<SyncReport> {
    this.active++;
    const next = this.chain.then(() => this.runNow(trigger, dryRun)).finally(() => this.active--);
    this.chain = next.catch(() => undefined);
    return next;
  }

  get running(): boolean {
    return this.active > 0;
  }
  /** The last real (not dry) run's report. */
  get lastRun(): SyncReport | null {
    return this.last;
  }
  get lastDryRun(): SyncReport | null {
    return this.lastDry;
  }
  /** When the last real run that succeeded finished. */
  get lastSuccessAt(): number | null {
    return this.lastSuccess;
  }

  private async runNow(trigger: SyncTrigger, dryRun: boolean): Promise<SyncReport> {
    const { clock, logger, origin } = this.options;
    const report = new ReportBuilder(trigger, dryRun, clock.now(), { ...this.options.source, origin });
    let plan: SyncPlan;
    try {
      const read = await this.reader.read();
      report.read(read.entries.length, read.pages);
      plan = planSync(read.entries, this.hub.users(), this.options);
      // An empty answer is far likelier a wrong baseDn/filter or a half-restored server than an
      // organisation that emptied overnight: refuse to wipe every directory user on it.
      if (read.entries.length === 0 && plan.remove.length > 0) {
        throw new DirectoryError("safety", `the directory returned no entries for baseDn "${this.options.source.baseDn}" and filter ${this.options.source.filter}; refusing to remove all ${plan.remove.length} users from ${origin}. Check baseDn and filter, or remove those users by hand`);
      }
    } catch (e) {
      const failed = report.fail(e instanceof DirectoryError ? e.phase : "read", e, clock.now());
      logger.error({ trigger, dryRun, phase: failed.failedPhase, reason: failed.error }, "directory sync failed; no user was changed");
      return this.keep(failed);
    }
    if (dryRun) {
      report.planned(plan);
      return this.keep(report.finish(clock.now()));
    }
    try {
      await this.apply(plan, report);
    } catch (e) {
      // The store failed half-way: what was applied stays applied (each change is whole) and is listed.
      const failed = report.fail("apply", e, clock.now());
      logger.error({ trigger, err: e }, "directory sync failed while applying changes; the report lists what was applied");
      return this.keep(failed);
    }
    const done = report.finish(clock.now());
    this.lastSuccess = done.finishedAt;
    const c = done.counts;
    logger.info({ trigger, entries: done.entries, pages: done.pages, ...c, ms: done.finishedAt - done.startedAt }, "directory sync done");
    if (c.skipped > 0) logger.warn({ skipped: done.skipped.slice(0, 20) }, `directory sync skipped ${c.skipped} entries; see GET /api/v1/directory/status`);
    return this.keep(done);
  }

  private keep(report: SyncReport): SyncReport {
    if (report.dryRun) this.lastDry = report;
    else this.last = report;
    return report;
  }

  /**
   * Removals first (they free extensions and SIP URIs), then adds and updates. An update can
   * wait for another (bob takes alice's old extension once alice has moved): failed saves are
   * retried while any save succeeds. A swap (alice and bob exchange extensions) never makes
   * progress by order alone: one side then drops its old keys for a moment, so the other can
   * take them; if it still cannot be saved, its old record is put back.
   */
  private async apply(plan: SyncPlan, report: ReportBuilder): Promise<void> {
    for (const user of plan.remove) {
      if (await this.hub.removeUser(user.username)) report.removed(user);
    }
    let pending: Pending[] = [
      ...plan.add.map((a) => ({ dn: a.dn, user: a.user, before: null, changes: [], released: false, lastError: "" })),
      ...plan.update.map((u) => ({ dn: u.dn, user: u.after, before: u.before, changes: u.changes, released: false, lastError: "" })),
    ];
    for (const s of plan.skipped) report.skipped(s.dn, s.username, s.reason);
    report.unchanged(plan.unchanged);
    for (;;) {
      const waiting: Pending[] = [];
      for (const p of pending) {
        try {
          const outcome = await this.hub.saveUser(p.user);
          report.applied(p, outcome);
        } catch (e) {
          if (e instanceof ConflictError) {
            p.lastError = e.message;
            waiting.push(p);
          } else if (e instanceof ConfigError) {
            report.skipped(p.dn, p.user.username, `the hub refused it: ${e.message}`);
          } else throw e;
        }
      }
      const progressed = waiting.length < pending.length;
      pending = waiting;
      if (waiting.length === 0) break;
      if (progressed) continue;
      const swap = waiting.find((p) => p.before !== null && !p.released && keysMove(p));
      if (!swap) break;
      const before = swap.before!;
      await this.hub.saveUser({
        ...before,
        firstExtension: before.firstExtension === swap.user.firstExtension ? before.firstExtension : null,
        sipUri: before.sipUri === swap.user.sipUri ? before.sipUri : null,
      });
      swap.released = true;
    }
    for (const p of pending) {
      if (p.released) await this.hub.saveUser(p.before!).catch(() => undefined);
      report.skipped(p.dn, p.user.username, `not applied: ${p.lastError}`);
    }
  }
}

function keysMove(p: Pending): boolean {
  return p.before!.firstExtension !== p.user.firstExtension || p.before!.sipUri !== p.user.sipUri;
}

/** Collects a run's outcome into the report shape. */
class ReportBuilder {
  private entries = 0;
  private pages = 0;
  private readonly added: SyncReport["added"][number][] = [];
  private readonly updated: SyncReport["updated"][number][] = [];
  private readonly removedUsers: SyncReport["removed"][number][] = [];
  private readonly skippedEntries: SyncReport["skipped"][number][] = [];
  private unchangedCount = 0;

  constructor(
    private readonly trigger: SyncTrigger,
    private readonly dryRun: boolean,
    private readonly startedAt: number,
    private readonly source: SyncReport["source"],
  ) {}

  read(entries: number, pages: number): void {
    this.entries = entries;
    this.pages = pages;
  }

  /** A dry run: the plan as it stands. */
  planned(plan: SyncPlan): void {
    for (const a of plan.add) this.addedUser(a.dn, a.user);
    for (const u of plan.update) this.updated.push({ dn: u.dn, username: u.after.username, changes: [...u.changes] });
    for (const r of plan.remove) this.removed(r);
    for (const s of plan.skipped) this.skipped(s.dn, s.username, s.reason);
    this.unchangedCount = plan.unchanged;
  }

  applied(p: Pending, outcome: "created" | "updated" | "unchanged"): void {
    if (p.before === null) this.addedUser(p.dn, p.user);
    else if (outcome !== "unchanged" || p.released) this.updated.push({ dn: p.dn, username: p.user.username, changes: [...p.changes] });
    else this.unchangedCount++;
  }

  removed(user: User): void {
    this.removedUsers.push({ username: user.username, displayName: user.displayName });
  }

  skipped(dn: string, username: string | null, reason: string): void {
    this.skippedEntries.push({ dn, username, reason });
  }

  unchanged(n: number): void {
    this.unchangedCount += n;
  }

  fail(phase: string, error: unknown, at: number): SyncReport {
    return { ...this.finish(at), outcome: "failed", error: (error as Error)?.message ?? String(error), failedPhase: phase };
  }

  finish(at: number): SyncReport {
    return {
      trigger: this.trigger,
      dryRun: this.dryRun,
      outcome: "ok",
      error: null,
      failedPhase: null,
      startedAt: this.startedAt,
      finishedAt: at,
      source: this.source,
      entries: this.entries,
      pages: this.pages,
      counts: { added: this.added.length, updated: this.updated.length, removed: this.removedUsers.length, unchanged: this.unchangedCount, skipped: this.skippedEntries.length },
      added: [...this.added],
      updated: [...this.updated],
      removed: [...this.removedUsers],
      skipped: [...this.skippedEntries].sort(byDn),
    };
  }

  private addedUser(dn: string, u: User): void {
    this.added.push({ dn, username: u.username, displayName: u.displayName, firstExtension: u.firstExtension, sipUri: u.sipUri, voicemailNumber: u.voicemailNumber });
  }
}

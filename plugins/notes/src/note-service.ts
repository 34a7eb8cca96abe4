import type { Knex } from "knex";
import { ConfigError, ConflictError, NotFoundError, type Clock, type EventBus, type Hub, type Logger, type TimerHandle } from "@presence-hub/core";
import { MAX_NOTE_LENGTH, noteView, type Note, type NoteInput } from "./note.js";

/** One entry of the audit trail. */
export interface NoteAuditEntry {
  readonly id: number;
  readonly username: string;
  readonly action: "set" | "cleared" | "expired" | "user-removed";
  readonly actor: string;
  readonly at: number;
  readonly before: Note | null;
  readonly after: Note | null;
}

/** Longest wait between two looks at notes' validity. */
const EXPIRY_CHECK_MS = 60_000;
/** Control characters other than tab and line breaks: invisible, and a way to mangle consoles. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/**
 * Half of a UTF-16 surrogate pair on its own: not text. The stores write UTF-8, which turns it
 * into U+FFFD, so an acknowledged note would come back different (found by the robustness suite).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The notes: kept in memory for the annotation on every user representation (read on the hot
 * path), written through to the store before a change is acknowledged (so an acknowledged note
 * survives a crash), announced on the bus at once (consoles get a delta), expired by the clock,
 * and audited (who, when, before/after) with a bounded retention.
 *
 * Writes for one user are serialised, so of two concurrent edits of the same version the second
 * gets a conflict instead of silently overwriting the first.
 */
export class NoteService {
  private readonly notes = new Map<string, Note>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private expiryTimer: TimerHandle | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly hub: Hub,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly auditRetentionMs: number,
    /** Told about every committed note write, by action (the notes-writes metric). */
    private readonly countWrite: (action: NoteAuditEntry["action"]) => void = () => {},
  ) {}

  async load(): Promise<void> {
    for (const r of await this.knex("notes").select()) this.notes.set(r.username, fromRow(r));
    await this.expire();
  }

  get(username: string): Note | undefined {
    return this.notes.get(username);
  }

  /** Creates or replaces a user's note. Throws ConfigError (400), NotFoundError (404), ConflictError (409). */
  set(username: string, input: NoteInput, actor: string): Promise<Note> {
    return this.serialised(username, async () => {
      if (!this.hub.user(username)) throw new NotFoundError("user", username);
      const text = input.text.trim();
      const issues = [];
      if (text.length === 0) issues.push({ path: "text", message: "must not be empty (use DELETE to clear the note)" });
      if (text.length > MAX_NOTE_LENGTH) issues.push({ path: "text", message: `must be at most ${MAX_NOTE_LENGTH} characters` });
      if (CONTROL.test(text)) issues.push({ path: "text", message: "must not contain control or bidirectional-override characters" });
      if (LONE_SURROGATE.test(text)) issues.push({ path: "text", message: "must be valid Unicode text (an unpaired surrogate cannot be stored)" });
      const validUntil = input.validUntil === undefined || input.validUntil === null ? null : typeof input.validUntil === "number" ? input.validUntil : Date.parse(input.validUntil);
      const now = this.clock.now();
      if (validUntil !== null && (!Number.isFinite(validUntil) || validUntil <= now)) issues.push({ path: "validUntil", message: "must be in the future" });
      if (issues.length) throw new ConfigError("invalid note", issues);
      const before = this.notes.get(username) ?? null;
      this.checkVersion(before, input.version);
      const after: Note = {
        username,
        text,
        author: actor,
        visibleTo: input.visibleTo,
        validUntil,
        version: (before?.version ?? 0) + 1,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      };
      await this.knex.transaction(async (trx) => {
        await trx("notes").insert(toRow(after)).onConflict("username").merge();
        await this.audit(trx, username, "set", actor, before, after);
      });
      this.countWrite("set");
      this.notes.set(username, after);
      this.announce(username, after);
      this.scheduleExpiry();
      return after;
    });
  }

  /** Removes a user's note (`version`, when given, must be the current one). */
  clear(username: string, actor: string, version?: number): Promise<boolean> {
    return this.serialised(username, async () => {
      const before = this.notes.get(username);
      if (!before) return false;
      this.checkVersion(before, version);
      await this.remove(username, before, "cleared", actor);
      return true;
    });
  }

  /** The audit trail of one user (newest first), or of everyone after `sinceId`. */
  async history(filter: { username?: string; sinceId?: number; limit: number }): Promise<NoteAuditEntry[]> {
    let q = this.knex("note_audit").select().orderBy("id", "desc").limit(filter.limit);
    if (filter.username) q = q.where({ username: filter.username });
    if (filter.sinceId !== undefined) q = q.where("id", ">", filter.sinceId);
    return (await q).map((r: AuditRow) => ({
      id: Number(r.id),
      username: r.username,
      action: r.action as NoteAuditEntry["action"],
      actor: r.actor,
      at: Number(r.at),
      before: r.before ? (JSON.parse(r.before) as Note) : null,
      after: r.after ? (JSON.parse(r.after) as Note) : null,
    }));
  }

  /** Cluster mode: another node changed this user's note in the store; take the stored version. */
  async refresh(username: string): Promise<void> {
    const row = await this.knex("notes").where({ username }).first();
    if (row) this.notes.set(username, fromRow(row));
    else this.notes.delete(username);
    this.scheduleExpiry();
  }

  /** The user was deleted: their note goes too (audited). */
  async forgetUser(username: string): Promise<void> {
    await this.serialised(username, async () => {
      const before = this.notes.get(username);
      if (before) await this.remove(username, before, "user-removed", "hub");
    });
  }

  stop(): void {
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────

  private checkVersion(current: Note | null, expected: number | undefined): void {
    if (expected === undefined) return; // last write wins
    const actual = current?.version ?? 0;
    if (actual !== expected) {
      const who = current ? ` by ${current.author} at ${new Date(current.updatedAt).toISOString()}` : "";
      throw new ConflictError("version", String(expected), `someone else changed this note${who} (now version ${actual}); reload it and edit again`);
    }
  }

  private async remove(username: string, before: Note, action: NoteAuditEntry["action"], actor: string): Promise<void> {
    const removed = await this.knex.transaction(async (trx) => {
      // Another cluster node may have removed it first (e.g. both expired it): audit once.
      if ((await trx("notes").where({ username }).delete()) === 0) return false;
      await this.audit(trx, username, action, actor, before, null);
      return true;
    });
    if (removed) this.countWrite(action);
    this.notes.delete(username);
    this.announce(username, null);
    this.scheduleExpiry();
  }

  private async audit(trx: Knex, username: string, action: NoteAuditEntry["action"], actor: string, before: Note | null, after: Note | null): Promise<void> {
    const at = this.clock.now();
    await trx("note_audit").insert({ username, action, actor, at, before: before ? JSON.stringify(before) : null, after: after ? JSON.stringify(after) : null });
    await trx("note_audit").where("at", "<", at - this.auditRetentionMs).delete();
  }

  private announce(username: string, note: Note | null): void {
    this.bus.publish({ type: "annotation", username, name: "note", value: note ? noteView(note) : null });
  }

  /** Removes every note whose validity has passed; re-arms the timer for the next one. */
  private async expire(): Promise<void> {
    const now = this.clock.now();
    for (const note of [...this.notes.values()]) {
      if (note.validUntil !== null && note.validUntil <= now) {
        await this.serialised(note.username, async () => {
          const current = this.notes.get(note.username);
          if (current && current.validUntil !== null && current.validUntil <= this.clock.now()) await this.remove(note.username, current, "expired", "hub");
        });
      }
    }
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    let next = Infinity;
    for (const n of this.notes.values()) if (n.validUntil !== null && n.validUntil < next) next = n.validUntil;
    if (next === Infinity) return;
    // At most a minute between checks: validity is wall time, and a wall clock stepped forward
    // (NTP, a resumed VM) must not leave an expired note on every console until the timer's
    // original delay is over (found by the robustness suite's clock-jump tests).
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = null;
      this.expire().catch((e: unknown) => this.logger.error({ err: e }, "expiring notes failed; will retry"));
    }, Math.min(EXPIRY_CHECK_MS, Math.max(0, next - this.clock.now())));
  }

  private serialised<T>(username: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(username) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => {});
    this.queues.set(username, tail);
    void tail.then(() => {
      if (this.queues.get(username) === tail) this.queues.delete(username);
    });
    return next;
  }
}

interface NoteRow {
  username: string;
  text: string;
  author: string;
  visible_to: string;
  valid_until: number | string | null;
  version: number;
  created_at: number | string;
  updated_at: number | string;
}

interface AuditRow {
  id: number;
  username: string;
  action: string;
  actor: string;
  at: number | string;
  before: string | null;
  after: string | null;
}

function fromRow(r: NoteRow): Note {
  return {
    username: r.username,
    text: r.text,
    author: r.author,
    visibleTo: r.visible_to === "admins" ? "admins" : "everyone",
    validUntil: r.valid_until === null ? null : Number(r.valid_until),
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toRow(n: Note): NoteRow {
  return { username: n.username, text: n.text, author: n.author, visible_to: n.visibleTo, valid_until: n.validUntil, version: n.version, created_at: n.createdAt, updated_at: n.updatedAt };
}

import type { Knex } from "knex";
import type { HistoryRow, PresenceBatch, PresenceRepository, SourceRow, StateRow } from "../../contracts/store.js";
import type { PresenceField } from "../../model/presence-status.js";

/** Rows per INSERT statement: well under SQLite's bound-variable limit. */
const CHUNK = 200;

/** The part of a better-sqlite3 statement the SQLite write path uses. */
interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
}

/** The part of a better-sqlite3 database handle (knex's SQLite connection) the write path uses. */
interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  transaction(fn: () => void): () => void;
}

/** The write path's statements, prepared once per connection. */
interface SqliteStatements {
  readonly deleteSource: SqliteStatement;
  readonly upsertSource: SqliteStatement;
  readonly upsertState: SqliteStatement;
  readonly insertHistory: SqliteStatement;
  readonly maxHistoryId: SqliteStatement;
  readonly pruneHistory: SqliteStatement;
}

/**
 * Presence rows: the latest report per user, field and source, the aggregated state per user
 * and field, and a history bounded to `historyLimit` entries (oldest pruned first).
 *
 * On SQLite the write-behind batch runs on knex's one connection with statements prepared once:
 * through knex every batch compiled its SQL and made SQLite prepare it again, which at 10,000
 * NOTIFYs per second was a fifth of the hub's CPU (the measurements put a prepared, batched
 * upsert at ~2.4 µs per row). PostgreSQL keeps the knex path.
 */
export class KnexPresenceRepository implements PresenceRepository {
  private writesSincePrune = 0;
  private readonly prepared = new WeakMap<SqliteHandle, SqliteStatements>();

  constructor(
    private readonly knex: Knex,
    private readonly historyLimit: number,
    private readonly dialect: "sqlite" | "postgres" = "sqlite",
  ) {}

  async write(batch: PresenceBatch): Promise<void> {
    if (this.dialect === "sqlite") return this.writeSqlite(batch);
    await this.knex.transaction(async (trx) => {
      for (let i = 0; i < batch.removedSources.length; i++) {
        const k = batch.removedSources[i]!;
        await trx("presence_sources").where({ username: k.username, field: k.field, source: k.source }).delete();
      }
      for (let i = 0; i < batch.sources.length; i += CHUNK) {
        const rows = batch.sources.slice(i, i + CHUNK).map((s) => ({
          username: s.username,
          field: s.field,
          source: s.source,
          report: JSON.stringify(s.report),
          at: s.at,
        }));
        await trx("presence_sources").insert(rows).onConflict(["username", "field", "source"]).merge(["report", "at"]);
      }
      for (let i = 0; i < batch.states.length; i += CHUNK) {
        const rows = batch.states.slice(i, i + CHUNK).map((s) => ({
          username: s.username,
          field: s.field,
          status: s.state.status,
          state: JSON.stringify(s.state),
          since: s.state.since,
        }));
        await trx("presence_states").insert(rows).onConflict(["username", "field"]).merge(["status", "state", "since"]);
      }
      for (let i = 0; i < batch.history.length; i += CHUNK) {
        await trx("presence_history").insert(batch.history.slice(i, i + CHUNK));
      }
      if (this.pruneDue(batch.history.length)) {
        const max = await trx("presence_history").max({ id: "id" }).first();
        const cutoff = Number(max?.id ?? 0) - this.historyLimit;
        if (cutoff > 0) await trx("presence_history").where("id", "<=", cutoff).delete();
      }
    });
  }

  private async writeSqlite(batch: PresenceBatch): Promise<void> {
    const client = this.knex.client as { acquireConnection(): Promise<SqliteHandle>; releaseConnection(connection: SqliteHandle): Promise<unknown> };
    // The pool has one connection: holding it keeps knex's own transactions out while this runs.
    const db = await client.acquireConnection();
    try {
      const st = this.statements(db);
      db.transaction(() => {
        for (const k of batch.removedSources) st.deleteSource.run(k.username, k.field, k.source);
        for (const r of batch.sources) st.upsertSource.run(r.username, r.field, r.source, JSON.stringify(r.report), r.at);
        for (const r of batch.states) st.upsertState.run(r.username, r.field, r.state.status, JSON.stringify(r.state), r.state.since);
        for (const h of batch.history) st.insertHistory.run(h.username, h.field, h.status, h.source, h.rule, h.at);
        if (this.pruneDue(batch.history.length)) {
          const max = st.maxHistoryId.get() as { id: number | null } | undefined;
          const cutoff = Number(max?.id ?? 0) - this.historyLimit;
          if (cutoff > 0) st.pruneHistory.run(cutoff);
        }
      })();
    } finally {
      await client.releaseConnection(db);
    }
  }

  /** Counts written history rows; true (and starts counting again) once a tenth of the limit, at least 100, came in. */
  private pruneDue(rows: number): boolean {
    this.writesSincePrune += rows;
    if (this.writesSincePrune < Math.max(100, this.historyLimit / 10)) return false;
    this.writesSincePrune = 0;
    return true;
  }

  private statements(db: SqliteHandle): SqliteStatements {
    let st = this.prepared.get(db);
    if (!st) {
      st = {
        deleteSource: db.prepare("DELETE FROM presence_sources WHERE username = ? AND field = ? AND source = ?"),
        upsertSource: db.prepare(
          "INSERT INTO presence_sources (username, field, source, report, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, field, source) DO UPDATE SET report = excluded.report, at = excluded.at",
        ),
        upsertState: db.prepare(
          "INSERT INTO presence_states (username, field, status, state, since) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, field) DO UPDATE SET status = excluded.status, state = excluded.state, since = excluded.since",
        ),
        insertHistory: db.prepare("INSERT INTO presence_history (username, field, status, source, rule, at) VALUES (?, ?, ?, ?, ?, ?)"),
        maxHistoryId: db.prepare("SELECT max(id) AS id FROM presence_history"),
        pruneHistory: db.prepare("DELETE FROM presence_history WHERE id <= ?"),
      };
      this.prepared.set(db, st);
    }
    return st;
  }

  async loadSources(): Promise<SourceRow[]> {
    return (await this.knex("presence_sources").select()).map((r) => ({
      username: r.username,
      field: r.field as PresenceField,
      source: r.source,
      report: JSON.parse(r.report),
      at: Number(r.at),
    }));
  }

  async loadStates(): Promise<StateRow[]> {
    return (await this.knex("presence_states").select("username", "field", "state")).map((r) => ({
      username: r.username,
      field: r.field as PresenceField,
      state: JSON.parse(r.state),
    }));
  }

  async history(username: string, limit: number): Promise<HistoryRow[]> {
    return (await this.knex("presence_history").where({ username }).orderBy("id", "desc").limit(limit)).map((r) => ({
      username: r.username,
      field: r.field,
      status: r.status,
      source: r.source,
      rule: r.rule,
      at: Number(r.at),
    }));
  }

  async forgetUser(username: string): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx("presence_sources").where({ username }).delete();
      await trx("presence_states").where({ username }).delete();
      await trx("presence_history").where({ username }).delete();
    });
  }
}

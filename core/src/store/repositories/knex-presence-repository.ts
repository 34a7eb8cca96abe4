import type { Knex } from "knex";
import type { HistoryRow, PresenceBatch, PresenceRepository, SourceRow, StateRow } from "../../contracts/store.js";
import type { PresenceField } from "../../model/presence-status.js";

/** Rows per INSERT statement: well under SQLite's bound-variable limit. */
const CHUNK = 200;

/**
 * Presence rows: the latest report per user, field and source, the aggregated state per user
 * and field, and a history bounded to `historyLimit` entries (oldest pruned first).
 */
export class KnexPresenceRepository implements PresenceRepository {
  private writesSincePrune = 0;

  constructor(
    private readonly knex: Knex,
    private readonly historyLimit: number,
  ) {}

  async write(batch: PresenceBatch): Promise<void> {
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
      this.writesSincePrune += batch.history.length;
      if (this.writesSincePrune >= Math.max(100, this.historyLimit / 10)) {
        this.writesSincePrune = 0;
        const max = await trx("presence_history").max({ id: "id" }).first();
        const cutoff = Number(max?.id ?? 0) - this.historyLimit;
        if (cutoff > 0) await trx("presence_history").where("id", "<=", cutoff).delete();
      }
    });
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

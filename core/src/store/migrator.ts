import type { Knex } from "knex";
import { Umzug, type UmzugStorage } from "umzug";
import type { Logger } from "../contracts/logger.js";
import type { Migration } from "./migration.js";

/** Migrations of one owner (`core` or a plugin id), applied in list order. */
export interface MigrationSet {
  readonly owner: string;
  readonly migrations: readonly Migration[];
}

const TABLE = "presence_hub_migrations";
/** Arbitrary constant: serialises migrations across hub nodes sharing one PostgreSQL. */
const PG_LOCK_KEY = 7_301_455_120;

/**
 * Applies pending migrations with umzug. Each migration runs in a transaction together with its
 * log entry, so a crash never leaves a half-applied, unlogged change. On PostgreSQL an advisory
 * lock keeps several nodes starting at once from racing.
 */
export class Migrator {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: "sqlite" | "postgres",
    private readonly logger: Logger,
  ) {}

  /** Applies what is pending; `prepare` (e.g. creating the schema) runs first, under the same lock. */
  async migrate(sets: readonly MigrationSet[], prepare?: () => Promise<void>): Promise<string[]> {
    const lock = this.dialect === "postgres" ? await this.knex.client.acquireConnection() : null;
    try {
      if (lock) await this.knex.raw("select pg_advisory_lock(?)", [PG_LOCK_KEY]).connection(lock);
      if (prepare) await prepare();
      await this.ensureTable();
      const umzug = new Umzug({
        migrations: sets.flatMap((set) =>
          set.migrations.map((m) => {
            const name = `${set.owner}/${m.name}`;
            return {
              name,
              up: () => this.knex.transaction(async (trx) => {
                await m.up(trx);
                await trx(TABLE).insert({ name, executed_at: Date.now() });
              }),
              down: m.down ? () => this.knex.transaction(async (trx) => {
                await m.down!(trx);
                await trx(TABLE).where({ name }).delete();
              }) : undefined,
            };
          }),
        ),
        storage: this.storage(),
        logger: undefined,
      });
      const applied = await umzug.up();
      for (const m of applied) this.logger.info({ migration: m.name }, "applied migration");
      return applied.map((m) => m.name);
    } finally {
      if (lock) {
        await this.knex.raw("select pg_advisory_unlock(?)", [PG_LOCK_KEY]).connection(lock);
        await this.knex.client.releaseConnection(lock);
      }
    }
  }

  /** Names of applied migrations, e.g. to tell whether the schema is current. */
  async applied(): Promise<string[]> {
    await this.ensureTable();
    return (await this.knex(TABLE).select("name").orderBy("name")).map((r: { name: string }) => r.name);
  }

  private async ensureTable(): Promise<void> {
    if (await this.knex.schema.hasTable(TABLE)) return;
    try {
      await this.knex.schema.createTable(TABLE, (t) => {
        t.string("name", 200).primary();
        t.bigInteger("executed_at").notNullable();
      });
    } catch (e) {
      // Another node created it between our check and create.
      if (!(await this.knex.schema.hasTable(TABLE))) throw e;
    }
  }

  /** The log is written inside each migration's transaction; umzug's calls only read it. */
  private storage(): UmzugStorage {
    return {
      logMigration: async () => {},
      unlogMigration: async () => {},
      executed: async () => this.applied(),
    };
  }
}

import { mkdirSync } from "node:fs";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import pg from "pg";
import type { Logger } from "../contracts/logger.js";
import type {
  AccountRepository,
  ConnectorRepository,
  PresenceRepository,
  SeedRepository,
  SettingsRepository,
  Store,
  TokenRepository,
  UserRepository,
} from "../contracts/store.js";
import type { StoreConfig } from "../config/hub-config-schema.js";
import { isPostgres } from "../config/load-config.js";
import { Migrator, type MigrationSet } from "./migrator.js";
import { coreMigrations } from "./migrations/index.js";
import { KnexAccountRepository } from "./repositories/knex-account-repository.js";
import { KnexConnectorRepository } from "./repositories/knex-connector-repository.js";
import { KnexPresenceRepository } from "./repositories/knex-presence-repository.js";
import { KnexSeedRepository } from "./repositories/knex-seed-repository.js";
import { KnexSettingsRepository } from "./repositories/knex-settings-repository.js";
import { KnexTokenRepository } from "./repositories/knex-token-repository.js";
import { KnexUserRepository } from "./repositories/knex-user-repository.js";
import type { SecretBox } from "./secret-box.js";

// Epoch-millisecond columns are BIGINT; they fit a JS number, so read them as numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * The {@link Store} on knex: embedded SQLite by default (WAL, synchronous=NORMAL, foreign keys),
 * PostgreSQL through the same code. Plugins' migrations run with the core's on `open()`.
 */
export class KnexStore implements Store {
  readonly knex: Knex;
  readonly dialect: "sqlite" | "postgres";
  readonly users: UserRepository;
  readonly settings: SettingsRepository;
  readonly connectors: ConnectorRepository;
  readonly presence: PresenceRepository;
  readonly accounts: AccountRepository;
  readonly tokens: TokenRepository;
  readonly seeds: SeedRepository;
  private readonly migrator: Migrator;

  constructor(
    private readonly config: StoreConfig,
    box: SecretBox,
    private readonly logger: Logger,
    private readonly pluginMigrations: readonly MigrationSet[] = [],
  ) {
    this.dialect = isPostgres(config.client) ? "postgres" : "sqlite";
    this.knex = this.dialect === "postgres" ? postgres(config) : sqlite(config);
    this.users = new KnexUserRepository(this.knex);
    this.settings = new KnexSettingsRepository(this.knex);
    this.connectors = new KnexConnectorRepository(this.knex, box);
    this.presence = new KnexPresenceRepository(this.knex, config.historyLimit, this.dialect);
    this.accounts = new KnexAccountRepository(this.knex);
    this.tokens = new KnexTokenRepository(this.knex);
    this.seeds = new KnexSeedRepository(this.knex);
    this.migrator = new Migrator(this.knex, this.dialect, logger);
  }

  async open(): Promise<void> {
    const schema = this.dialect === "postgres" && this.config.schema && this.config.schema !== "public" ? this.config.schema : null;
    await this.migrator.migrate([{ owner: "core", migrations: coreMigrations }, ...this.pluginMigrations], async () => {
      if (schema) await this.knex.raw(`create schema if not exists "${schema}"`);
    });
  }

  /** Names of applied migrations (for readiness checks and `presence-hub migrate`). */
  appliedMigrations(): Promise<string[]> {
    return this.migrator.applied();
  }

  /** Migrations this version knows that the database has not applied (empty when the schema is current). */
  async pendingMigrations(): Promise<string[]> {
    const applied = new Set(await this.appliedMigrations());
    return [{ owner: "core", migrations: coreMigrations }, ...this.pluginMigrations].flatMap((set) => set.migrations.map((m) => `${set.owner}/${m.name}`)).filter((name) => !applied.has(name));
  }

  /** A trivial query: proves the database answers. */
  async ping(): Promise<void> {
    await this.knex.raw("select 1");
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

function sqlite(config: StoreConfig): Knex {
  const filename = config.filename ?? ":memory:";
  if (filename !== ":memory:") mkdirSync(path.dirname(filename), { recursive: true });
  return knexFactory({
    client: "better-sqlite3",
    connection: { filename },
    useNullAsDefault: true,
    // One connection: SQLite serialises writers anyway, and a single handle keeps
    // transactions from waiting on each other.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        try {
          conn.pragma("journal_mode = WAL");
          conn.pragma("synchronous = NORMAL");
          conn.pragma("foreign_keys = ON");
          conn.pragma("busy_timeout = 5000");
          done(null, conn);
        } catch (e) {
          done(e as Error, conn);
        }
      },
    },
  });
}

function postgres(config: StoreConfig): Knex {
  return knexFactory({
    client: "pg",
    connection: config.connection,
    searchPath: config.schema ? [config.schema] : undefined,
    pool: config.pool ?? { min: 0, max: 10 },
  });
}

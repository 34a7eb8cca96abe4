import type { Knex } from "knex";
import type { PresenceField } from "../model/presence-status.js";
import type { RichState, TelephonyState } from "../model/presence-state.js";
import type { RichReport, TelephonyReport } from "../model/observation.js";
import type { User } from "../model/user.js";

/**
 * Persistence of everything the hub keeps: users, settings, connector configurations (secrets
 * encrypted at rest), presence (per source, aggregated, bounded history), accounts and tokens.
 *
 * ```
 *   created ──open()──► open (migrations applied) ──close()──► closed
 * ```
 * Rules: every method other than `open()` requires the open state. Writes resolve only once
 * durable (committed). Uniqueness problems reject with {@link ConflictError} naming the field.
 */
export interface Store {
  /** Connects and applies pending migrations (core's and every loaded plugin's). */
  open(): Promise<void>;
  close(): Promise<void>;
  /** The dialect in use, for plugins that need dialect-specific SQL. */
  readonly dialect: "sqlite" | "postgres";
  /** Raw handle for plugins' own tables. */
  readonly knex: Knex;
  readonly users: UserRepository;
  readonly settings: SettingsRepository;
  readonly connectors: ConnectorRepository;
  readonly presence: PresenceRepository;
  readonly accounts: AccountRepository;
  readonly tokens: TokenRepository;
  readonly seeds: SeedRepository;
}

export interface UserRepository {
  list(): Promise<User[]>;
  get(username: string): Promise<User | null>;
  /** Creates or replaces by username. */
  upsert(user: User): Promise<"created" | "updated" | "unchanged">;
  remove(username: string): Promise<boolean>;
}

export interface SettingsRepository {
  getAll(): Promise<Record<string, unknown>>;
  set(key: string, value: unknown): Promise<void>;
}

/** A configured connector instance as stored; `secrets` hold plain values in memory only. */
export interface ConnectorRecord {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  /** Configured order, the fallback order between presence servers (0 first). */
  readonly position: number;
  /** Non-secret settings. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Secret settings (passwords), encrypted by the store before they reach the disk. */
  readonly secrets: Readonly<Record<string, string>>;
}

export interface ConnectorRepository {
  list(): Promise<ConnectorRecord[]>;
  get(id: string): Promise<ConnectorRecord | null>;
  save(record: ConnectorRecord): Promise<void>;
  remove(id: string): Promise<boolean>;
}

/** What a source last said about one user's field. */
export interface SourceRow {
  readonly username: string;
  readonly field: PresenceField;
  readonly source: string;
  readonly report: TelephonyReport | RichReport;
  readonly at: number;
}

/** The aggregated state of one user's field. */
export interface StateRow {
  readonly username: string;
  readonly field: PresenceField;
  readonly state: TelephonyState | RichState;
}

/** One entry of the bounded history: a status change. */
export interface HistoryRow {
  readonly username: string;
  readonly field: PresenceField;
  readonly status: string;
  readonly source: string;
  readonly rule: string;
  readonly at: number;
}

/** A source row to delete (the source withdrew). */
export interface SourceKey {
  readonly username: string;
  readonly field: PresenceField;
  readonly source: string;
}

export interface PresenceBatch {
  readonly sources: readonly SourceRow[];
  readonly removedSources: readonly SourceKey[];
  readonly states: readonly StateRow[];
  readonly history: readonly HistoryRow[];
}

export interface PresenceRepository {
  /** Writes a batch in one transaction; history beyond the configured bound is pruned. */
  write(batch: PresenceBatch): Promise<void>;
  loadSources(): Promise<SourceRow[]>;
  loadStates(): Promise<StateRow[]>;
  history(username: string, limit: number): Promise<HistoryRow[]>;
  /** Removes everything about a user (the user was deleted). */
  forgetUser(username: string): Promise<void>;
}

export type Role = "admin" | "operator";

export interface Account {
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
}

export interface AccountRepository {
  get(username: string): Promise<Account | null>;
  list(): Promise<Omit<Account, "passwordHash">[]>;
  save(account: Account): Promise<void>;
  remove(username: string): Promise<boolean>;
}

export interface ApiToken {
  readonly id: string;
  readonly role: Role;
  readonly label: string;
  readonly createdAt: number;
}

export interface TokenRepository {
  /** Stores only the hash of the token. */
  create(token: ApiToken, tokenHash: string): Promise<void>;
  findByHash(tokenHash: string): Promise<ApiToken | null>;
  list(): Promise<ApiToken[]>;
  revoke(id: string): Promise<boolean>;
}

/**
 * Remembers the hash of each config-file entry (connector, user, setting) last applied, so a
 * restart re-applies an entry only when the file changed it; edits made in the UI survive
 * restarts otherwise.
 */
export interface SeedRepository {
  get(kind: string, id: string): Promise<string | null>;
  set(kind: string, id: string, hash: string): Promise<void>;
}

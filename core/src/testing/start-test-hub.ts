import "reflect-metadata";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import knexFactory from "knex";
import { PresenceHubApp } from "../app/presence-hub-app.js";
import { createLogger } from "../app/create-logger.js";
import { loadConfig } from "../config/load-config.js";
import type { Clock } from "../contracts/clock.js";
import type { Role } from "../contracts/store.js";

/** PostgreSQL used by tests; override with PRESENCE_HUB_TEST_PG. */
export const TEST_PG_URL = process.env.PRESENCE_HUB_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestHubOptions {
  /** Config file content (as an object); `http.port` defaults to 0 (a free port). */
  readonly config?: Record<string, unknown>;
  /** `sqlite` (default, in a temp folder) or `pg` (a fresh schema in {@link TEST_PG_URL}). */
  readonly store?: "sqlite" | "pg";
  readonly clock?: Clock;
  readonly extraPlugins?: readonly string[];
  /** Reuse a folder (to restart a hub on the same data); default: a new temp folder. */
  readonly dir?: string;
  /** Reuse a PostgreSQL schema (to restart on the same data). */
  readonly pgSchema?: string;
  readonly logLevel?: string;
}

export interface TestHub {
  readonly app: PresenceHubApp;
  /** `http://127.0.0.1:<port>` (`https://` when the config has `http.tls`) */
  readonly url: string;
  readonly dir: string;
  readonly pgSchema: string | null;
  /** Creates an API token with the role. */
  token(role: Role): Promise<string>;
  /** Stops the hub; `keep` leaves the data (folder, schema) for a restart. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

/**
 * Starts a real hub (real store, real HTTP server on a free loopback port) for tests, the way
 * an admin would: from a config file written to a temp folder. Integrators use it to test their
 * plugins against the real core.
 */
export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "presence-hub-test-"));
  const pgSchema = options.store === "pg" ? (options.pgSchema ?? `t_${randomBytes(6).toString("hex")}`) : null;
  const config: Record<string, unknown> = { http: { port: 0, host: "127.0.0.1" }, ...options.config };
  if (pgSchema) config.store = { client: "pg", connection: TEST_PG_URL, schema: pgSchema };
  const file = path.join(dir, "presence-hub.yaml");
  writeFileSync(file, stringify(config));
  const logger = createLogger(options.logLevel ?? process.env.PRESENCE_HUB_TEST_LOG ?? "silent", process.stderr);
  const app = new PresenceHubApp(loadConfig(file, {}), { clock: options.clock, logger, extraPlugins: options.extraPlugins });
  await app.start();
  const url = `${app.server.info.protocol}://127.0.0.1:${app.server.info.port}`;
  return {
    app,
    url,
    dir,
    pgSchema,
    token: async (role) => (await app.accounts.createToken(role, `test-${role}`)).token,
    async stop(stopOptions = {}) {
      await app.stop();
      if (stopOptions.keep) return;
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
      if (pgSchema && !options.pgSchema) await dropSchema(pgSchema);
    },
  };
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const knex = knexFactory({ client: "pg", connection: TEST_PG_URL });
  try {
    await knex.raw(`drop schema if exists "${schema}" cascade`);
  } finally {
    await knex.destroy();
  }
}

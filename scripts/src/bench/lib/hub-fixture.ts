import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { loadConfig, PresenceHubApp, sipUriKey } from "@presence-hub/core";
import { extension, sipUri, username } from "./population.js";

/** What a benchmark hub is made of. */
export interface HubSetup {
  readonly httpPort: number;
  /** Users `u0000`…; which keys they have. */
  readonly users: number;
  readonly keys?: { readonly telephony: boolean; readonly rich: boolean };
  readonly connectors?: readonly Record<string, unknown>[];
  readonly monitorAll?: boolean;
  /** PostgreSQL instead of SQLite: connection URL and schema. */
  readonly pg?: { readonly connection: string; readonly schema: string };
  readonly cluster?: { readonly nodeId: string; readonly leaseSeconds: number };
  /** Shared key file (cluster nodes must share it). */
  readonly keyFile?: string;
  /** Folder to write into (default: a new temporary folder). */
  readonly dir?: string;
  readonly configName?: string;
  /** Plugins' options (`pluginOptions` in the config), e.g. the console stream's coalescing window. */
  readonly pluginOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A written hub configuration; `dispose()` removes the folder. */
export interface PreparedHub {
  readonly dir: string;
  readonly config: string;
  dispose(): void;
}

/**
 * Writes a hub config and a store that already holds the users, created in bulk (multi-row
 * inserts in one transaction): seeding 100,000 users through the config file or the API would
 * take minutes, and how users got into the store is not what is measured.
 */
export async function prepareHub(setup: HubSetup): Promise<PreparedHub> {
  const ownDir = !setup.dir;
  const dir = setup.dir ?? mkdtempSync(path.join(tmpdir(), "ph-bench-"));
  mkdirSync(dir, { recursive: true });
  const config: Record<string, unknown> = {
    http: { port: setup.httpPort, host: "127.0.0.1" },
    store: setup.pg ? { client: "pg", connection: setup.pg.connection, schema: setup.pg.schema } : { client: "sqlite3", filename: "hub.sqlite" },
    dataDir: ".",
    secrets: { keyFile: setup.keyFile ?? "secret.key" },
    log: { level: "warn" },
    presence: { monitorAll: setup.monitorAll ?? true },
    connectors: setup.connectors ?? [],
  };
  if (setup.pluginOptions) config.pluginOptions = setup.pluginOptions;
  if (setup.cluster) config.cluster = { enabled: true, nodeId: setup.cluster.nodeId, leaseSeconds: setup.cluster.leaseSeconds };
  const file = path.join(dir, setup.configName ?? "presence-hub.yaml");
  writeFileSync(file, stringify(config));
  if (setup.users > 0) await insertUsers(file, setup.users, setup.keys ?? { telephony: true, rich: true });
  return { dir, config: file, dispose: () => ownDir && rmSync(dir, { recursive: true, force: true }) };
}

async function insertUsers(configFile: string, count: number, keys: { telephony: boolean; rich: boolean }): Promise<void> {
  const app = new PresenceHubApp(loadConfig(configFile, {}));
  try {
    await app.open();
    const knex = app.store.knex;
    const now = Date.now();
    await knex.transaction(async (trx) => {
      const rows = [];
      for (let i = 0; i < count; i++) {
        rows.push({
          username: username(i),
          display_name: `Bench User ${i}`,
          first_extension: keys.telephony ? extension(i) : null,
          sip_uri: keys.rich ? sipUri(i) : null,
          sip_uri_key: keys.rich ? sipUriKey(sipUri(i)) : null,
          voicemail_number: null,
          origin: "bench",
          created_at: now,
          updated_at: now,
        });
        if (rows.length === 100 || i === count - 1) {
          await trx("users").insert(rows.splice(0));
        }
      }
    });
  } finally {
    await app.stop();
  }
}

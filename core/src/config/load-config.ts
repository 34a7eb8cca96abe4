import { readFileSync } from "node:fs";
import path from "node:path";
import { Lexer, parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError } from "../errors/config-error.js";
import { SchemaValidator } from "../util/schema-validator.js";
import { HubConfigSchema, type HubConfig } from "./hub-config-schema.js";
import { parseAddressBlock } from "../util/address-allowlist.js";

/** A validated configuration with every relative path resolved. */
export interface LoadedConfig {
  readonly config: HubConfig;
  /** The config file, or null when running on built-in defaults. */
  readonly file: string | null;
  /** Folder relative paths resolve against: the config file's folder, else the working directory. */
  readonly baseDir: string;
  readonly dataDir: string;
  readonly keyFile: string;
}

/** Environment variable naming the config file when `--config` is not given. */
export const CONFIG_ENV = "PRESENCE_HUB_CONFIG";
/**
 * Prefix of per-key overrides: `PRESENCE_HUB__HTTP__PORT=9000` sets `http.port`. Values are read
 * as YAML scalars, so numbers and booleans keep their type.
 */
export const OVERRIDE_PREFIX = "PRESENCE_HUB__";

const validator = new SchemaValidator(HubConfigSchema, "invalid configuration");

/**
 * Reads, overrides and validates the configuration. Throws {@link ConfigError} naming every bad
 * key; nothing is started by the caller in that case.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const chosen = file ?? env[CONFIG_ENV] ?? null;
  const absolute = chosen ? path.resolve(cwd, chosen) : null;
  let raw: unknown = {};
  if (absolute) {
    let text: string;
    try {
      text = readFileSync(absolute, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read config file ${absolute}`, [{ path: "", message: (e as Error).message }]);
    }
    raw = parseConfigText(text, absolute);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`invalid configuration in ${absolute}`, [{ path: "", message: "the file must hold a YAML mapping (key: value lines)" }]);
  }
  applyOverrides(raw as Record<string, unknown>, env);
  const config = validator.validate(raw);
  const baseDir = absolute ? path.dirname(absolute) : cwd;
  const resolve = (p: string) => path.resolve(baseDir, p);
  const store = config.store;
  if (config.cluster.enabled && !isPostgres(store.client)) {
    throw new ConfigError("invalid configuration", [{ path: "cluster.enabled", message: "cluster mode needs the nodes to share PostgreSQL (store.client: pg)" }]);
  }
  if (isPostgres(store.client)) {
    if (!store.connection) throw new ConfigError("invalid configuration", [{ path: "store.connection", message: `is required when store.client is ${store.client}` }]);
  } else {
    if (store.connection) throw new ConfigError("invalid configuration", [{ path: "store.connection", message: `is for PostgreSQL; SQLite uses store.filename` }]);
    const filename = store.filename ?? path.join(config.dataDir, "presence-hub.sqlite");
    store.filename = filename === ":memory:" ? filename : resolve(filename);
  }
  const tls = config.http.tls;
  if (tls) {
    tls.cert = resolve(tls.cert);
    tls.key = resolve(tls.key);
  }
  if (config.http.redirectHttpPort !== undefined) {
    if (!tls) throw new ConfigError("invalid configuration", [{ path: "http.redirectHttpPort", message: "redirects to HTTPS, so it needs http.tls (cert and key)" }]);
    if (config.http.redirectHttpPort === config.http.port) throw new ConfigError("invalid configuration", [{ path: "http.redirectHttpPort", message: "must differ from http.port" }]);
  }
  const badAddresses = config.metrics.allowFrom.flatMap((a, i) => (parseAddressBlock(a) ? [] : [{ path: `metrics.allowFrom[${i}]`, message: `${JSON.stringify(a)} is not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)` }]));
  if (badAddresses.length) throw new ConfigError("invalid configuration", badAddresses);
  return { config, file: absolute, baseDir, dataDir: resolve(config.dataDir), keyFile: resolve(config.secrets.keyFile) };
}

export function isPostgres(client: string): boolean {
  return client === "pg" || client === "postgres" || client === "postgresql";
}

/** Largest config text accepted: boot settings and initial users fit many times over. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Deepest `[`/`{` nesting accepted; real files nest two or three levels. */
export const MAX_CONFIG_FLOW_DEPTH = 64;

/**
 * Parses YAML with limits against alias bombs, oversized files and deep flow nesting; errors
 * carry the line and column.
 *
 * The size and nesting checks run first because the YAML library's cost grows badly with
 * nesting: 10 KB of `[` took 50 ms, 1 MB took 4 s and 640 MB before failing on the call stack
 * (found by the robustness fuzzer). Its lexer is linear and cheap, so the nesting is measured
 * on its tokens (quoted scalars are single tokens: brackets inside quotes do not count).
 */
export function parseConfigText(text: string, where: string): unknown {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigError(`invalid YAML in ${where}`, [{ path: "", message: `larger than ${MAX_CONFIG_BYTES / 1024} KiB; keep users in a CSV import (presence-hub users import)` }]);
  }
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++depth > MAX_CONFIG_FLOW_DEPTH) throw new ConfigError(`invalid YAML in ${where}`, [{ path: "", message: `[ ] and { } nested deeper than ${MAX_CONFIG_FLOW_DEPTH}` }]);
    } else if (token === "]" || token === "}") {
      depth = Math.max(0, depth - 1);
    }
  }
  try {
    return parseYaml(text, { maxAliasCount: 100, prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      throw new ConfigError(`invalid YAML in ${where}`, [
        { path: pos ? `line ${pos.line}, column ${pos.col}` : "", message: e.message.split("\n")[0]! },
      ]);
    }
    // The yaml library throws plain errors for resource-exhaustion guards (alias bombs).
    throw new ConfigError(`invalid YAML in ${where}`, [{ path: "", message: (e as Error).message }]);
  }
}

function applyOverrides(target: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(OVERRIDE_PREFIX) || value === undefined) continue;
    const keys = name
      .slice(OVERRIDE_PREFIX.length)
      .split("__")
      .map((k) => k.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    let node: Record<string, unknown> = target;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== "object" || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = parseConfigText(value, `environment variable ${name}`);
  }
}

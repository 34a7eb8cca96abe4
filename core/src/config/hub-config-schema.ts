import { Type, type Static } from "@sinclair/typebox";
import { StringEnum } from "../util/string-enum.js";

/** `host[:port]` or `[v6]:port`; the SIP default port applies when it is left out. */
export const HostPort = Type.String({
  pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:\\d{1,5})?$",
  "x-hint": "host[:port], e.g. 192.0.2.10:5060",
});

export const Username = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", "x-hint": "a username (letters, digits, . _ @ -, up to 64)" });
export const Extension = Type.String({ pattern: "^\\+?[0-9*#]{1,32}$", "x-hint": "a dial string of digits (optional leading +, * and #)" });

export const UserEntry = Type.Object(
  {
    username: Username,
    displayName: Type.Optional(Type.String({ maxLength: 200 })),
    firstExtension: Type.Optional(Type.Union([Extension, Type.Null()])),
    sipUri: Type.Optional(Type.Union([Type.String({ minLength: 3, maxLength: 300 }), Type.Null()])),
    voicemailNumber: Type.Optional(Type.Union([Extension, Type.Null()])),
  },
  { additionalProperties: false },
);
export type UserEntry = Static<typeof UserEntry>;

/** Common keys of a connector entry; the rest are the connector type's own settings. */
export const ConnectorEntry = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,39}$", "x-hint": "a short id (lower-case letters, digits, -)" }),
    type: Type.String({ minLength: 1 }),
    enabled: Type.Boolean({ default: true }),
  },
  { additionalProperties: true },
);
export type ConnectorEntry = Static<typeof ConnectorEntry>;

/**
 * Where the hub keeps its data: the embedded SQLite file (default) or PostgreSQL. The client
 * names are knex's (`sqlite3`, `pg`); `sqlite3` runs on the better-sqlite3 driver.
 */
export const StoreConfig = Type.Object(
  {
    client: StringEnum(["sqlite3", "better-sqlite3", "sqlite", "pg", "postgres", "postgresql"], { default: "sqlite3" }),
    /** SQLite file; relative paths resolve against the config file's folder. */
    filename: Type.Optional(Type.String({ minLength: 1 })),
    /** PostgreSQL connection URL. */
    connection: Type.Optional(Type.String({ pattern: "^postgres(ql)?://", "x-hint": "a postgres:// connection URL" })),
    /** PostgreSQL schema for the hub's tables; lets several hubs or test runs share a database. */
    schema: Type.Optional(Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$", "x-hint": "a lower-case SQL identifier" })),
    pool: Type.Optional(
      Type.Object({ min: Type.Integer({ minimum: 0 }), max: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    ),
    /** How many presence history entries to keep (oldest pruned first). */
    historyLimit: Type.Integer({ minimum: 0, default: 100000 }),
  },
  { additionalProperties: false, default: {} },
);
export type StoreConfig = Static<typeof StoreConfig>;

/** HTTPS for the API and web pages. */
export const HttpTlsConfig = Type.Object(
  {
    /** Certificate chain (PEM): the server certificate first, then intermediates. */
    cert: Type.String({ minLength: 1, "x-hint": "path of a PEM certificate file" }),
    /** Private key (PEM, unencrypted; keep it readable by the hub's user only). */
    key: Type.String({ minLength: 1, "x-hint": "path of a PEM private key file" }),
    /** Strict-Transport-Security max-age in seconds; 0 sends no HSTS header. */
    hstsMaxAgeSeconds: Type.Integer({ minimum: 0, maximum: 63_072_000, default: 15_552_000 }),
  },
  { additionalProperties: false },
);
export type HttpTlsConfig = Static<typeof HttpTlsConfig>;

export const LogLevel = StringEnum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { default: "info" });

/** Logging: one level, per-component overrides, and the output format. */
export const LogConfig = Type.Object(
  {
    level: LogLevel,
    /**
     * `json` (one JSON object per line), `pretty` (human-readable, for a terminal), or `auto`:
     * pretty when stdout is a terminal, JSON otherwise (systemd, containers, files).
     */
    format: StringEnum(["auto", "json", "pretty"], { default: "auto" }),
    /**
     * Levels by component: a core part (`hub`, `http`, `store`, `bus`, `services`, `cluster`,
     * `presence-writer`), a plugin id (`sip-simple`) or a connector id (`pbx-main`).
     */
    components: Type.Record(Type.String({ pattern: "^[A-Za-z0-9._-]{1,64}$" }), LogLevel, { default: {} }),
  },
  { additionalProperties: false, default: {} },
);
export type LogConfig = Static<typeof LogConfig>;

/** The Prometheus endpoint `GET /metrics` (docs/operations.md). */
export const MetricsConfig = Type.Object(
  {
    /** Serve `GET /metrics` on the hub's HTTP(S) port. */
    enabled: Type.Boolean({ default: true }),
    /**
     * Addresses that may scrape without a token (a Prometheus server on a trusted network):
     * IPs or CIDR blocks, e.g. `127.0.0.1`, `10.0.0.0/8`, `::1`. Everyone else needs a token.
     */
    allowFrom: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f.:]+(/\\d{1,3})?$", "x-hint": "an IP address or CIDR block, e.g. 10.0.0.0/8" }), { default: [] }),
  },
  { additionalProperties: false, default: {} },
);
export type MetricsConfig = Static<typeof MetricsConfig>;

export const HubConfigSchema = Type.Object(
  {
    http: Type.Object(
      {
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        host: Type.String({ default: "0.0.0.0" }),
        /** Serve HTTPS with this certificate and key (PEM files; relative to the config file's folder). */
        tls: Type.Optional(HttpTlsConfig),
        /** With `tls`: a plain-HTTP port that only redirects to HTTPS (e.g. 80 → 443). */
        redirectHttpPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Folder for the key file and the SQLite database; relative to the config file's folder. */
    dataDir: Type.String({ default: "data" }),
    store: StoreConfig,
    secrets: Type.Object(
      { keyFile: Type.String({ default: "data/secret.key" }) },
      { additionalProperties: false, default: {} },
    ),
    log: LogConfig,
    metrics: MetricsConfig,
    /** Plugin packages to load, in order; defaults to the bundled set. */
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Each plugin's own section, by plugin id. */
    pluginOptions: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    presence: Type.Object(
      {
        preferredServer: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        monitorAll: Type.Optional(Type.Boolean()),
        rankingRules: Type.Optional(Type.Array(Type.String())),
      },
      { additionalProperties: false, default: {} },
    ),
    telephony: Type.Object(
      { voicemailPilot: Type.Optional(Type.Union([Extension, Type.Null()])) },
      { additionalProperties: false, default: {} },
    ),
    /** Several hub nodes on one PostgreSQL (see docs/cluster.md). */
    cluster: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        /** This node's name (unique in the cluster); default host name + process id. */
        nodeId: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9._-]{1,100}$", "x-hint": "letters, digits, . _ -" })),
        /** A node that has not renewed its lease for this long is dead and its work moves. */
        leaseSeconds: Type.Number({ minimum: 1, maximum: 300, default: 10 }),
        /** How this node is reached, shown in Manage Services; default http://<host>:<port>. */
        address: Type.Optional(Type.String({ maxLength: 200 })),
      },
      { additionalProperties: false, default: {} },
    ),
    connectors: Type.Array(ConnectorEntry, { default: [] }),
    users: Type.Array(UserEntry, { default: [] }),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;

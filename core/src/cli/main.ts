#!/usr/bin/env node
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { loadConfig } from "../config/load-config.js";
import { ConfigError } from "../errors/config-error.js";
import { PluginError } from "../errors/plugin-error.js";
import { PresenceHubApp, VERSION } from "../app/presence-hub-app.js";
import { createLogger } from "../app/create-logger.js";
import { importUsersCsv } from "../users/csv-user-import.js";
import type { Role } from "../contracts/store.js";
import { CLUSTER_CHANNEL } from "../cluster/pg-channel.js";
import { registerBackupCommands } from "./backup-commands.js";

/** Exit code for configuration problems (nothing was started). */
export const EXIT_CONFIG = 2;

const program = new Command("presence-hub")
  .description("presence-hub: SIP SIMPLE and CTI presence, merged by rules, pushed live to attendant consoles")
  .version(VERSION)
  .showHelpAfterError();

const configOption = () => new Option("-c, --config <file>", "configuration file (YAML); default: $PRESENCE_HUB_CONFIG");

program
  .command("start")
  .description("run the hub")
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    const app = new PresenceHubApp(loadConfig(opts.config));
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.logger.info({ signal }, "stopping");
      await app.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    await app.start();
    process.stdout.write(`presence-hub ${VERSION} listening on ${app.server.info.uri} (store: ${app.store.dialect})\n`);
  });

program
  .command("migrate")
  .description("apply pending database migrations (core and plugins) and exit")
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    await withStore(opts.config, async (app) => {
      const applied = await app.store.appliedMigrations();
      process.stdout.write(`schema is current: ${applied.length} migrations applied\n`);
    });
  });

const users = program.command("users").description("manage users");
users
  .command("import <file>")
  .description("import users from CSV (username, displayName, firstExtension, sipUri, voicemailNumber)")
  .addOption(configOption())
  .action(async (file: string, opts: { config?: string }) => {
    const text = readFileSync(file);
    await withStore(opts.config, async (app) => {
      const saved: string[] = [];
      const report = await importUsersCsv(text, async (u) => {
        const outcome = await app.store.users.upsert(u);
        if (outcome !== "unchanged") saved.push(u.username);
        return outcome;
      });
      // Running cluster nodes re-read what changed at once (single SQLite nodes pick it up on restart).
      if (app.store.dialect === "postgres") for (const username of saved) await app.store.knex.raw("select pg_notify(?, ?)", [CLUSTER_CHANNEL, JSON.stringify({ k: "u", n: "cli", u: username })]);
      process.stdout.write(`created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.errors.length}\n`);
      for (const e of report.errors) process.stderr.write(`${file}:${e.line}: ${e.username ?? "(no username)"}: ${e.reason}\n`);
      if (report.errors.length) process.exitCode = 1;
    });
  });
users
  .command("sync")
  .description("synchronise users from the LDAP directory now (plugin directory-ldap), through the running hub's API")
  .option("--dry-run", "show what would change; change nothing")
  .option("--json", "print the run's report as JSON")
  .option("--url <url>", "the hub's base URL (default: http://127.0.0.1:<http.port> from the config)")
  .option("--token <token>", "an admin API token (default: $PRESENCE_HUB_TOKEN)")
  .addOption(configOption())
  .action(async (opts: { dryRun?: boolean; json?: boolean; url?: string; token?: string; config?: string }) => {
    const base = opts.url ?? localHubUrl(opts.config);
    const token = opts.token ?? process.env.PRESENCE_HUB_TOKEN;
    if (!token) throw new ConfigError("users sync", [{ path: "--token", message: "is required (or set PRESENCE_HUB_TOKEN); create one with `presence-hub token create --role admin`" }]);
    const fail = (message: string) => {
      process.stderr.write(`presence-hub: users sync failed: ${message}\n`);
      process.exitCode = 1;
    };
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1/directory/sync?dryRun=${opts.dryRun ? "true" : "false"}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    } catch (e) {
      return fail(`cannot reach the hub at ${base}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Partial<DirectorySyncReport> & { message?: string; report?: DirectorySyncReport };
    if (res.status === 404) return fail(`the hub at ${base} has no directory sync: add @presence-hub/plugin-directory-ldap to \`plugins:\` and configure pluginOptions.directory-ldap`);
    const report = res.ok ? (body as DirectorySyncReport) : body.report;
    if (report && opts.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else if (report) printSyncReport(report);
    if (!res.ok) fail(`${res.status}: ${body.message ?? "request refused"}`);
  });

/** The parts of the directory-ldap plugin's sync report the CLI prints (the plugin owns the shape). */
interface DirectorySyncReport {
  readonly dryRun: boolean;
  readonly outcome: "ok" | "failed";
  readonly source: { readonly url: string };
  readonly entries: number;
  readonly pages: number;
  readonly counts: { readonly added: number; readonly updated: number; readonly removed: number; readonly unchanged: number; readonly skipped: number };
  readonly added: readonly { username: string; displayName: string; firstExtension: string | null; sipUri: string | null; voicemailNumber: string | null }[];
  readonly updated: readonly { username: string; changes: readonly { field: string; from: string | null; to: string | null }[] }[];
  readonly removed: readonly { username: string; displayName: string }[];
  readonly skipped: readonly { dn: string; username: string | null; reason: string }[];
}

/** One line per change on stdout, one per skipped entry on stderr (as `users import` does for bad rows). */
function printSyncReport(r: DirectorySyncReport): void {
  const out = (line: string) => process.stdout.write(line + "\n");
  const c = r.counts;
  if (r.outcome === "ok") {
    out(`${r.dryRun ? "dry run, nothing changed: would add" : "added"} ${c.added}, ${r.dryRun ? "update" : "updated"} ${c.updated}, ${r.dryRun ? "remove" : "removed"} ${c.removed}; unchanged ${c.unchanged}, skipped ${c.skipped} (${r.entries} entries in ${r.pages} pages from ${r.source.url})`);
  }
  const show = (v: string | null) => v ?? "-";
  for (const a of r.added) out(`+ ${a.username}\t${a.displayName}\text ${show(a.firstExtension)}\t${show(a.sipUri)}\tvoicemail ${show(a.voicemailNumber)}`);
  for (const u of r.updated) out(`~ ${u.username}\t${u.changes.map((ch) => `${ch.field} ${show(ch.from)} -> ${show(ch.to)}`).join(", ")}`);
  for (const d of r.removed) out(`- ${d.username}\t${d.displayName}`);
  for (const s of r.skipped) process.stderr.write(`skipped ${s.dn}: ${s.username ?? "(no username)"}: ${s.reason}\n`);
}

const admin = program.command("admin").description("manage admin and operator accounts");
admin
  .command("add <name>")
  .description("add (or reset) an account; the password is read from stdin")
  .requiredOption("--password-stdin", "read the password from standard input")
  .addOption(new Option("--role <role>", "account role").choices(["admin", "operator"]).default("admin"))
  .addOption(configOption())
  .action(async (name: string, opts: { config?: string; role: Role }) => {
    const password = readFileSync(0, "utf8").replace(/\r?\n$/, "");
    await withStore(opts.config, async (app) => {
      await app.accounts.addAccount(name, password, opts.role);
      process.stdout.write(`account ${name} (${opts.role}) saved\n`);
    });
  });

const token = program.command("token").description("manage API tokens");
token
  .command("create")
  .description("create an API token and print it (shown once; stored hashed)")
  .addOption(new Option("--role <role>", "token role").choices(["admin", "operator"]).makeOptionMandatory())
  .option("--label <label>", "what the token is for", "")
  .addOption(configOption())
  .action(async (opts: { config?: string; role: Role; label: string }) => {
    await withStore(opts.config, async (app) => {
      const { token: value } = await app.accounts.createToken(opts.role, opts.label);
      process.stdout.write(value + "\n");
    });
  });

program
  .command("services [action] [id]")
  .description("list services, or start|stop|restart one (talks to the running hub's API)")
  .option("--url <url>", "the hub's base URL (default: http://127.0.0.1:<http.port> from the config)")
  .option("--token <token>", "an API token (default: $PRESENCE_HUB_TOKEN); admin role to change a service")
  .addOption(configOption())
  .action(async (action: string | undefined, id: string | undefined, opts: { url?: string; token?: string; config?: string }) => {
    const base = opts.url ?? localHubUrl(opts.config);
    const token = opts.token ?? process.env.PRESENCE_HUB_TOKEN;
    if (!token) throw new ConfigError("services", [{ path: "--token", message: "is required (or set PRESENCE_HUB_TOKEN); create one with `presence-hub token create`" }]);
    const verb = action ?? "list";
    if (verb !== "list" && !["start", "stop", "restart"].includes(verb)) {
      throw new ConfigError("services", [{ path: "action", message: `must be list, start, stop or restart, got ${JSON.stringify(verb)}` }]);
    }
    if (verb !== "list" && !id) throw new ConfigError("services", [{ path: "id", message: "is required: hub, connector:<id> or plugin:<id>[/<name>]" }]);
    const res = await fetch(verb === "list" ? `${base}/api/v1/services` : `${base}/api/v1/services/${encodeURIComponent(id!)}/${verb}`, {
      method: verb === "list" ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}` },
    }).catch((e: Error) => {
      throw new Error(`cannot reach the hub at ${base}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
    });
    const body = (await res.json()) as { services?: ServiceLine[]; message?: string } & ServiceLine;
    if (!res.ok) throw new Error(`${res.status}: ${body.message ?? "request refused"}`);
    for (const s of body.services ?? [body]) process.stdout.write(`${s.id}\t${s.state}${s.lastError ? `\t${s.lastError}` : ""}\n`);
  });

interface ServiceLine {
  readonly id: string;
  readonly state: string;
  readonly lastError: string | null;
}

program
  .command("demo")
  .description("run the hub on SQLite with a simulated PBX (real SIP) and CTI server and a few dozen changing people")
  .option("--port <port>", "HTTP port", "8080")
  .action(async (opts: { port: string }) => {
    let kit: { runDemo(o: { httpPort: number }): Promise<{ stop(): Promise<void> }> };
    try {
      // A runtime specifier: the demo kit is optional and must not become part of the core's build.
      const specifier = "@presence-hub/scripts/demo";
      kit = (await import(specifier)) as typeof kit;
    } catch (e) {
      throw new Error(`the demo kit (@presence-hub/scripts) is not installed here: run the demo from a clone of the repository (npm install, npm run demo); ${(e as Error).message}`);
    }
    const demo = await kit.runDemo({ httpPort: Number(opts.port) });
    const stop = async () => {
      process.stdout.write("demo: stopping\n");
      await demo.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
  });

registerBackupCommands(program, configOption);

/** The running hub's own URL from its config: https when TLS is configured, on loopback. */
function localHubUrl(configFile: string | undefined): string {
  const http = loadConfig(configFile).config.http as { port: number; tls?: unknown };
  return `${http.tls ? "https" : "http"}://127.0.0.1:${http.port}`;
}

/** Runs a data-only command: plugins loaded (for their migrations), store opened, then closed. */
async function withStore(configFile: string | undefined, work: (app: PresenceHubApp) => Promise<void>): Promise<void> {
  const loaded = loadConfig(configFile);
  const app = new PresenceHubApp(loaded, { logger: createLogger(process.env.PRESENCE_HUB_CLI_LOG ?? "warn", process.stderr) });
  try {
    await app.open();
    await work(app);
  } finally {
    await app.stop();
  }
}

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof PluginError) {
    process.stderr.write(`presence-hub: ${e.message}\n`);
    if (e instanceof ConfigError && e.issues.length > 1) for (const i of e.issues) process.stderr.write(`  - ${i.path ? `${i.path}: ` : ""}${i.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  process.stderr.write(`presence-hub: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

import path from "node:path";
import type { Command, Option } from "commander";
import { isPostgres, loadConfig, type LoadedConfig } from "../config/load-config.js";
import { RunningHubMarker } from "../store/running-hub-marker.js";
import { backupSqlite, restoreSqlite, StoreFileError } from "../store/sqlite-backup.js";

/**
 * `presence-hub backup FILE` and `presence-hub restore FILE` for the SQLite store. PostgreSQL
 * has its own tools (pg_dump, pg_restore); for it the commands say so instead of doing half a job.
 */
export function registerBackupCommands(program: Command, configOption: () => Option): void {
  program
    .command("backup <file>")
    .description("copy the SQLite store to FILE (safe while the hub runs) and check the copy's integrity")
    .option("--force", "overwrite FILE if it exists")
    .addOption(configOption())
    .action(async (file: string, opts: { force?: boolean; config?: string }) => {
      const loaded = loadConfig(opts.config);
      const source = sqliteFile(loaded, "backup");
      if (!source) return;
      try {
        const r = await backupSqlite(source, path.resolve(file), { force: opts.force });
        process.stdout.write(`backup written: ${r.file} (${r.bytes} bytes, ${r.tables} tables, ${r.migrations.length} migrations, integrity ok)\n`);
        process.stderr.write(`keep the key file ${loaded.keyFile} with your backups: connector passwords in the store are sealed with it\n`);
      } catch (e) {
        fail("backup", e);
      }
    });

  program
    .command("restore <file>")
    .description("replace the SQLite store with a backup (the hub must be stopped); the backup is integrity-checked first")
    .addOption(configOption())
    .action(async (file: string, opts: { config?: string }) => {
      const loaded = loadConfig(opts.config);
      const target = sqliteFile(loaded, "restore");
      if (!target) return;
      const running = new RunningHubMarker(target).running();
      if (running) {
        process.stderr.write(
          `presence-hub: restore refused: a hub is running on ${target} (pid ${running.pid} on ${running.hostname}, since ${running.startedAt}); stop it first (systemctl stop presence-hub)\n`,
        );
        process.exitCode = 1;
        return;
      }
      try {
        const r = await restoreSqlite(path.resolve(file), target);
        process.stdout.write(`restored ${r.file} from ${path.resolve(file)} (${r.bytes} bytes, ${r.migrations.length} migrations, integrity ok)\n`);
        if (r.previous) process.stdout.write(`the replaced database is kept as ${r.previous}\n`);
      } catch (e) {
        fail("restore", e);
      }
    });
}

/** The SQLite file of the configuration, or null after explaining what to do for PostgreSQL. */
function sqliteFile(loaded: LoadedConfig, verb: "backup" | "restore"): string | null {
  const store = loaded.config.store;
  if (isPostgres(store.client)) {
    // Never print the connection URL: it may hold a password.
    const schema = store.schema ?? "public";
    const how =
      verb === "backup"
        ? `pg_dump --format=custom --schema=${schema} --file=presence-hub.dump "$DATABASE_URL"`
        : `pg_restore --clean --if-exists --schema=${schema} --dbname="$DATABASE_URL" presence-hub.dump (with every hub node stopped)`;
    process.stderr.write(`presence-hub: the store is PostgreSQL; use PostgreSQL's own tools: ${how}. See docs/operations.md.\n`);
    process.exitCode = 1;
    return null;
  }
  if (!store.filename || store.filename === ":memory:") {
    process.stderr.write(`presence-hub: the store is in memory; there is nothing to ${verb}\n`);
    process.exitCode = 1;
    return null;
  }
  return store.filename;
}

function fail(verb: string, e: unknown): void {
  if (!(e instanceof StoreFileError)) throw e;
  process.stderr.write(`presence-hub: ${verb} failed: ${e.message}\n`);
  process.exitCode = 1;
}

import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** The migrations log table: its presence tells a presence-hub store from any SQLite file. */
const MIGRATIONS_TABLE = "presence_hub_migrations";

/** Pages copied per backup step: all of them, so the copy is one consistent snapshot (see {@link backupSqlite}). */
const ALL_PAGES = 0x7fffffff;

/** What a checked store file holds. */
export interface StoreFileReport {
  readonly file: string;
  readonly bytes: number;
  /** Applied migrations, by name (`core/0001-initial`, `notes/0001-…`). */
  readonly migrations: readonly string[];
  readonly tables: number;
}

/** The file is not a usable presence-hub store (corrupt, foreign, or not SQLite at all). */
export class StoreFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = "StoreFileError";
  }
}

/**
 * Copies a live SQLite store to `target` with SQLite's online backup API, safely while a hub
 * writes to it: the copy is read inside one read transaction (all pages in one step), so it is
 * the database as of one commit — WAL mode lets the hub keep writing meanwhile. The copy is
 * made under a temporary name, switched to a single self-contained file (no `-wal`), checked
 * (`PRAGMA integrity_check`, foreign keys, the migrations log) and only then renamed to `target`.
 */
export async function backupSqlite(source: string, target: string, options: { force?: boolean } = {}): Promise<StoreFileReport> {
  if (!existsSync(source)) throw new StoreFileError(source, "no such database file (has the hub ever started with this configuration?)");
  if (path.resolve(source) === path.resolve(target)) throw new StoreFileError(target, "is the live database itself; choose another file");
  if (existsSync(target) && !options.force) throw new StoreFileError(target, "already exists; choose a new name or pass --force to overwrite it");
  const temp = `${target}.partial-${process.pid}`;
  removeDatabaseFiles(temp);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    await db.backup(temp, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  try {
    const copy = new Database(temp, { fileMustExist: true });
    try {
      // The copy carries the source's WAL flag; a backup is easier to handle as one file.
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    const report = verifyStoreFile(temp);
    syncFile(temp);
    if (options.force) removeDatabaseFiles(target);
    renameSync(temp, target);
    syncFile(path.dirname(target));
    return { ...report, file: target };
  } catch (e) {
    removeDatabaseFiles(temp);
    throw e;
  }
}

/**
 * Replaces the store at `target` with the backup `source`, for a hub that is NOT running (the
 * caller checks). The backup is verified first; it is copied (through the backup API, so a
 * backup still in WAL mode is read whole) to a temporary file next to the target, verified
 * again, and only then swapped in. The replaced database is kept beside it as
 * `<name>.before-restore-<time>` (checkpointed first, so it is complete without its `-wal`).
 */
export async function restoreSqlite(source: string, target: string, now: Date = new Date()): Promise<StoreFileReport & { readonly previous: string | null }> {
  verifyStoreFile(source);
  const dir = path.dirname(target);
  if (!existsSync(dir)) throw new StoreFileError(target, `folder ${dir} does not exist`);
  const temp = `${target}.restoring-${process.pid}`;
  removeDatabaseFiles(temp);
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await db.backup(temp, { progress: () => ALL_PAGES });
    } finally {
      db.close();
    }
    const report = verifyStoreFile(temp);
    syncFile(temp);
    let previous: string | null = null;
    if (existsSync(target)) {
      checkpoint(target);
      previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, "-")}`;
      renameSync(target, previous);
    }
    // A -wal of the replaced database must never be replayed onto the restored one.
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    renameSync(temp, target);
    syncFile(dir);
    return { ...report, file: target, previous };
  } catch (e) {
    removeDatabaseFiles(temp);
    throw e;
  }
}

/**
 * Checks that `file` is an intact presence-hub store: SQLite's `integrity_check` says ok, no
 * foreign key is dangling, and the migrations log is there. Opens the file read-only.
 */
export function verifyStoreFile(file: string): StoreFileReport {
  if (!existsSync(file)) throw new StoreFileError(file, "no such file");
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new StoreFileError(file, `cannot be opened as SQLite: ${(e as Error).message}`);
  }
  try {
    let integrity: string[];
    try {
      integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (e) {
      throw new StoreFileError(file, `is not a readable SQLite database: ${(e as Error).message}`);
    }
    if (integrity.length !== 1 || integrity[0] !== "ok") throw new StoreFileError(file, `failed the integrity check: ${integrity.slice(0, 5).join("; ")}`);
    const dangling = db.pragma("foreign_key_check") as unknown[];
    if (dangling.length > 0) throw new StoreFileError(file, `has ${dangling.length} rows whose foreign keys point nowhere`);
    const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
    if (!tables.includes(MIGRATIONS_TABLE)) throw new StoreFileError(file, "is an SQLite database, but not a presence-hub store (no migrations log)");
    const migrations = (db.prepare(`select name from ${MIGRATIONS_TABLE} order by name`).all() as { name: string }[]).map((r) => r.name);
    return { file, bytes: statSync(file).size, migrations, tables: tables.length };
  } finally {
    db.close();
  }
}

/** Folds the database's `-wal` into the main file, so the file alone is the whole database. */
function checkpoint(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

function removeDatabaseFiles(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${file}${suffix}`, { force: true });
}

/** fsync a file or folder, so a rename that follows is durable after a power cut. */
function syncFile(file: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(file, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the data file itself was synced.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

import { parse } from "csv-parse/sync";
import { ConfigError } from "../errors/config-error.js";
import { ConflictError } from "../errors/conflict-error.js";
import { validateUser } from "../hub/validate-user.js";
import type { User, UserInput } from "../model/user.js";
import { sipUriKey } from "../util/sip-uri-key.js";

/** Largest CSV accepted: far beyond any organisation's user list, small enough to parse in memory. */
export const MAX_CSV_BYTES = 10 * 1024 * 1024;

/** Header names accepted per field (case, spaces, `_` and `-` ignored). */
const COLUMNS: Readonly<Record<keyof Omit<UserInput, "origin">, readonly string[]>> = {
  username: ["username", "user", "login"],
  displayName: ["displayname", "name", "fullname"],
  firstExtension: ["firstextension", "extension", "ext"],
  sipUri: ["sipuri", "uri", "sip"],
  voicemailNumber: ["voicemailnumber", "voicemail", "vm"],
};

export interface CsvRowError {
  /** 1-based line in the file (the header is line 1). */
  readonly line: number;
  readonly username: string | null;
  readonly reason: string;
}

export interface CsvImportReport {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly CsvRowError[];
}

/**
 * Imports users from CSV (header row required; columns username, displayName, firstExtension,
 * sipUri, voicemailNumber, in any order). Every row is checked on its own: a bad row is reported
 * with its line number and reason and written not at all; good rows are saved one by one through
 * `save` (which applies uniqueness against existing users). Duplicates within the file are
 * caught before anything is written.
 */
export async function importUsersCsv(
  text: string | Buffer,
  save: (user: User) => Promise<"created" | "updated" | "unchanged">,
  origin = "csv",
): Promise<CsvImportReport> {
  if (Buffer.byteLength(text) > MAX_CSV_BYTES) throw new ConfigError("invalid CSV", [{ path: "", message: `file larger than ${MAX_CSV_BYTES / 1024 / 1024} MiB` }]);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, info: true, max_record_size: 64 * 1024 }) as never;
  } catch (e) {
    throw new ConfigError("invalid CSV", [{ path: "", message: (e as Error).message }]);
  }
  if (records.length === 0) throw new ConfigError("invalid CSV", [{ path: "line 1", message: "the file is empty; expected a header row" }]);
  const header = records[0]!.record.map((h) => h.toLowerCase().replace(/[\s_-]/g, ""));
  const index = {} as Record<keyof typeof COLUMNS, number>;
  for (const [field, names] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, readonly string[]][]) {
    index[field] = header.findIndex((h) => names.includes(h));
  }
  if (index.username < 0) throw new ConfigError("invalid CSV", [{ path: "line 1", message: `no username column in the header (found: ${records[0]!.record.join(", ")})` }]);

  const errors: CsvRowError[] = [];
  const good: { line: number; user: User }[] = [];
  const seen = { username: new Map<string, number>(), firstExtension: new Map<string, number>(), sipUri: new Map<string, number>() };
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const cell = (f: keyof typeof COLUMNS) => (index[f] >= 0 ? (record[index[f]] ?? "") : "");
    const username = cell("username") || null;
    let user: User;
    try {
      user = validateUser({
        username: cell("username"),
        displayName: cell("displayName"),
        firstExtension: cell("firstExtension") || null,
        sipUri: cell("sipUri") || null,
        voicemailNumber: cell("voicemailNumber") || null,
        origin,
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push({ line, username, reason: e.issues.map((i) => `${i.path} ${i.message}`).join("; ") });
      continue;
    }
    const keys = { username: user.username, firstExtension: user.firstExtension, sipUri: user.sipUri ? sipUriKey(user.sipUri) : null };
    const dup = (["username", "firstExtension", "sipUri"] as const).find((f) => keys[f] !== null && seen[f].has(keys[f]!));
    if (dup) {
      errors.push({ line, username, reason: `${dup} "${keys[dup]}" repeats line ${seen[dup].get(keys[dup]!)}` });
      continue;
    }
    for (const f of ["username", "firstExtension", "sipUri"] as const) if (keys[f] !== null) seen[f].set(keys[f]!, line);
    good.push({ line, user });
  }

  let created = 0;
  let updated = 0;
  let unchanged = 0;
  for (const { line, user } of good) {
    try {
      const outcome = await save(user);
      if (outcome === "created") created++;
      else if (outcome === "updated") updated++;
      else unchanged++;
    } catch (e) {
      if (e instanceof ConflictError || e instanceof ConfigError) errors.push({ line, username: user.username, reason: e.message });
      else throw e;
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { created, updated, unchanged, errors };
}

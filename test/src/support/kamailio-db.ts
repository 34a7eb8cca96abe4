/**
 * The databases of the Kamailio fixture: who can log in, which resource lists exist, and the
 * empty tables for the presence state. Written before Kamailio starts (and kept by restarts).
 *
 * - `RUN_DIR/kamailio.sqlite` (db_sqlite): `subscriber` (plain passwords; Kamailio computes
 *   HA1 itself) and `xcap` (rls-services and pres-rules documents, "integrated XCAP" mode).
 *   The schema comes from the installed package (kamailio-sqlite-modules), so it always matches
 *   the modules. WAL journal so the sqlite3 CLI can write while Kamailio reads.
 * - `RUN_DIR/dbtext/` (db_text): empty presence/rls/pua tables. See kamailio.cfg for why the
 *   dynamic state is not in sqlite (Kamailio 5.6 crashes).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** SIP domain and digest realm of the fixture (listen address; loopback only). */
export const KAMAILIO_DOMAIN = "127.0.0.1";

/** A SIP account on the fixture server. */
export interface SipAccount {
  readonly username: string;
  readonly password: string;
}

/**
 * The fixed accounts. `hub` is the watcher account the product logs in with; alice, bob and
 * carol are presentities and members of the lists; dave and erin are spare phones (e.g. caller
 * and callee of a real call).
 */
export const KAMAILIO_ACCOUNTS = {
  hub: { username: "hub", password: "secret" },
  alice: { username: "alice", password: "alicepw" },
  bob: { username: "bob", password: "bobpw" },
  carol: { username: "carol", password: "carolpw" },
  dave: { username: "dave", password: "davepw" },
  erin: { username: "erin", password: "erinpw" },
} as const satisfies Record<string, SipAccount>;

/** Name of a fixed account. */
export type KamailioAccountName = keyof typeof KAMAILIO_ACCOUNTS;

/**
 * RFC 4662 list URIs. All lists are owned by `hub@127.0.0.1`: the RLS finds a list by the
 * watcher's From user@domain, so only a SUBSCRIBE From `sip:hub@127.0.0.1` (with
 * `Supported: eventlist`) gets the list; anyone else gets a plain subscription to a presentity
 * that does not exist.
 */
export const KAMAILIO_LISTS = {
  /** alice, bob, carol; Event: presence. */
  presence: `sip:team@${KAMAILIO_DOMAIN}`,
  /** alice, bob, carol; Event: dialog. */
  dialog: `sip:team-dialog@${KAMAILIO_DOMAIN}`,
  /** all generated users (only with `generatedUsers.list`); Event: presence. */
  everyone: `sip:everyone@${KAMAILIO_DOMAIN}`,
  /** all generated users (only with `generatedUsers.list`); Event: dialog. */
  everyoneDialog: `sip:everyone-dialog@${KAMAILIO_DOMAIN}`,
} as const;

/** N generated accounts `u0000`… for load tests (cold start with thousands of users). */
export interface GeneratedUsersOptions {
  /** How many accounts. */
  count: number;
  /** Username prefix. Default `u`. */
  prefix?: string;
  /** Zero-padded number width. Default: enough digits for count - 1, at least 4. */
  digits?: number;
  /** Common password. Default `userpw`. */
  password?: string;
  /** Also create {@link KAMAILIO_LISTS.everyone} and `everyoneDialog` with all of them. Default false. */
  list?: boolean;
}

/** Usernames of the generated accounts, in order (`u0000`, `u0001`, …). */
export function generatedUsernames(options: GeneratedUsersOptions): string[] {
  const prefix = options.prefix ?? "u";
  const digits = options.digits ?? Math.max(4, String(Math.max(0, options.count - 1)).length);
  return Array.from({ length: options.count }, (_, i) => prefix + String(i).padStart(digits, "0"));
}

/** What {@link createKamailioDatabases} puts in. */
export interface KamailioDatabaseContent {
  /** More accounts besides {@link KAMAILIO_ACCOUNTS}. */
  extraAccounts?: readonly SipAccount[];
  /** Generated accounts (and optionally the big lists). */
  generatedUsers?: GeneratedUsersOptions;
}

const SQLITE_SCHEMA_DIR = "/usr/share/kamailio/db_sqlite";
const DBTEXT_SCHEMA_DIR = "/usr/share/kamailio/dbtext/kamailio";
/** db_text tables of the dynamic state (must exist, with their version rows, at start). */
const DBTEXT_TABLES = ["presentity", "active_watchers", "watchers", "pua", "rls_presentity", "rls_watchers"];

/** Path of the sqlite file in a run dir. */
export function sqlitePath(runDir: string): string {
  return path.join(runDir, "kamailio.sqlite");
}

/**
 * Creates `RUN_DIR/kamailio.sqlite` and `RUN_DIR/dbtext/` from scratch. The SQL that was run
 * is kept as `RUN_DIR/init.sql` (handy when a test fails).
 */
export async function createKamailioDatabases(runDir: string, content: KamailioDatabaseContent = {}): Promise<void> {
  for (const f of ["standard", "auth_db", "presence"]) {
    if (!existsSync(path.join(SQLITE_SCHEMA_DIR, `${f}-create.sql`))) {
      throw new Error(`missing ${SQLITE_SCHEMA_DIR}/${f}-create.sql: install the Debian package kamailio-sqlite-modules`);
    }
  }
  await createDbText(path.join(runDir, "dbtext"));

  const accounts: SipAccount[] = [...Object.values(KAMAILIO_ACCOUNTS), ...(content.extraAccounts ?? [])];
  const gen = content.generatedUsers;
  const generated = gen ? generatedUsernames(gen) : [];
  const genPassword = gen?.password ?? "userpw";
  for (const username of generated) accounts.push({ username, password: genPassword });

  const schema = await Promise.all(
    ["standard", "auth_db", "presence"].map((f) => readFile(path.join(SQLITE_SCHEMA_DIR, `${f}-create.sql`), "utf8")),
  );
  const sql: string[] = [...schema, "BEGIN;"];
  for (const a of accounts) sql.push(insertSubscriber(a));
  sql.push(insertXcap("hub", 8, rlsServicesDocument(generated, gen?.list ?? false), `rls-services/users/sip:hub@${KAMAILIO_DOMAIN}/index`));
  sql.push("COMMIT;");
  const initSql = path.join(runDir, "init.sql");
  await writeFile(initSql, sql.join("\n") + "\n");
  await sqlite(sqlitePath(runDir), [".read " + initSql, "PRAGMA journal_mode=WAL;"]);
}

/** Authorization decision of a pres-rules document (RFC 5025 sub-handling). */
export type PresRulesAction = "allow" | "block" | "polite-block" | "confirm";

/**
 * Replaces the pres-rules document of `presentity` (xcap doc_type 2) with one rule applying
 * `action` to the given watchers. Only has an effect in the `pending` mode, and only after
 * `presence.updateWatchers` (see the Kamailio handle's `authorize`).
 */
export async function writePresRules(
  runDir: string,
  presentity: string,
  watchers: readonly string[],
  action: PresRulesAction,
): Promise<void> {
  const ids = watchers.map((w) => `<cr:one id="sip:${w}@${KAMAILIO_DOMAIN}"/>`).join("");
  const doc = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<cr:ruleset xmlns="urn:ietf:params:xml:ns:pres-rules" xmlns:pr="urn:ietf:params:xml:ns:pres-rules"',
    '    xmlns:cr="urn:ietf:params:xml:ns:common-policy">',
    `  <cr:rule id="fixture-${action}">`,
    `    <cr:conditions><cr:identity>${ids}</cr:identity></cr:conditions>`,
    `    <cr:actions><pr:sub-handling>${action}</pr:sub-handling></cr:actions>`,
    "    <cr:transformations>",
    "      <pr:provide-services><pr:all-services/></pr:provide-services>",
    "      <pr:provide-persons><pr:all-persons/></pr:provide-persons>",
    "      <pr:provide-devices><pr:all-devices/></pr:provide-devices>",
    "      <pr:provide-all-attributes/>",
    "    </cr:transformations>",
    "  </cr:rule>",
    "</cr:ruleset>",
  ].join("\n");
  await sqlite(sqlitePath(runDir), [
    ".timeout 5000",
    `DELETE FROM xcap WHERE username=${q(presentity)} AND domain=${q(KAMAILIO_DOMAIN)} AND doc_type=2;`,
    insertXcap(presentity, 2, doc, `pres-rules/users/sip:${presentity}@${KAMAILIO_DOMAIN}/index`),
  ]);
}

async function createDbText(dir: string): Promise<void> {
  if (!existsSync(path.join(DBTEXT_SCHEMA_DIR, "version"))) {
    throw new Error(`missing ${DBTEXT_SCHEMA_DIR}/version: install the Debian package kamailio`);
  }
  await mkdir(dir, { recursive: true });
  // A db_text table file is a header line (column definitions) plus one line per row:
  // the header alone is an empty table. Versions must match what the modules expect.
  const firstLine = async (t: string): Promise<string> =>
    (await readFile(path.join(DBTEXT_SCHEMA_DIR, t), "utf8")).split("\n")[0] ?? "";
  for (const t of DBTEXT_TABLES) {
    let header = await firstLine(t);
    // presence (subs_db_mode 2) writes NULL into active_watchers.flags, which the shipped
    // db_text header declares NOT NULL: every write-back would fail ("null value not allowed").
    if (t === "active_watchers") header = header.replace("flags(int) ", "flags(int,null) ");
    await writeFile(path.join(dir, t), header + "\n");
  }
  const versions = (await readFile(path.join(DBTEXT_SCHEMA_DIR, "version"), "utf8"))
    .split("\n")
    .filter((l) => DBTEXT_TABLES.some((t) => l.startsWith(`0:${t}:`)));
  await writeFile(path.join(dir, "version"), [await firstLine("version"), ...versions].join("\n") + "\n");
}

function rlsServicesDocument(generated: readonly string[], bigLists: boolean): string {
  const service = (uri: string, members: readonly string[], pkg: string): string =>
    [
      `  <service uri="${uri}">`,
      `    <rl:list name="${uri.slice(4, uri.indexOf("@"))}">`,
      ...members.map((m) => `      <rl:entry uri="sip:${m}@${KAMAILIO_DOMAIN}"/>`),
      "    </rl:list>",
      `    <packages><package>${pkg}</package></packages>`,
      "  </service>",
    ].join("\n");
  const team = ["alice", "bob", "carol"];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rls-services xmlns="urn:ietf:params:xml:ns:rls-services" xmlns:rl="urn:ietf:params:xml:ns:resource-lists">',
    service(KAMAILIO_LISTS.presence, team, "presence"),
    service(KAMAILIO_LISTS.dialog, team, "dialog"),
    ...(bigLists && generated.length > 0
      ? [service(KAMAILIO_LISTS.everyone, generated, "presence"), service(KAMAILIO_LISTS.everyoneDialog, generated, "dialog")]
      : []),
    "</rls-services>",
  ].join("\n");
}

function insertSubscriber(a: SipAccount): string {
  const md5 = (s: string): string => createHash("md5").update(s).digest("hex");
  const ha1 = md5(`${a.username}:${KAMAILIO_DOMAIN}:${a.password}`);
  const ha1b = md5(`${a.username}@${KAMAILIO_DOMAIN}:${KAMAILIO_DOMAIN}:${a.password}`);
  return `INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (${q(a.username)}, ${q(KAMAILIO_DOMAIN)}, ${q(a.password)}, ${q(ha1)}, ${q(ha1b)});`;
}

function insertXcap(username: string, docType: number, doc: string, docUri: string): string {
  const etag = `fixture-${docType}-${Date.now()}`;
  return `INSERT INTO xcap (username, domain, doc, doc_type, etag, source, doc_uri, port) VALUES (${q(username)}, ${q(KAMAILIO_DOMAIN)}, ${q(doc)}, ${docType}, ${q(etag)}, 1, ${q(docUri)}, 0);`;
}

function q(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

async function sqlite(db: string, commands: readonly string[]): Promise<void> {
  try {
    await execFileAsync("sqlite3", ["-bail", db, ...commands], { timeout: 30_000, killSignal: "SIGKILL", maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (e.code === "ENOENT") throw new Error("sqlite3 not found: install the Debian package sqlite3");
    throw new Error(`sqlite3 ${db} failed: ${e.killed ? "timed out after 30 s" : (e.stderr ?? e.message).trim()}`);
  }
}

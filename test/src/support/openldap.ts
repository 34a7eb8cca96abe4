/**
 * A real OpenLDAP server (Debian `slapd`) for the directory sync tests, started per test file on
 * loopback ports the test chooses, with a generated slapd.conf and a seed LDIF.
 *
 * ```ts
 * const ldap = await startOpenLdap({ ports: { ldap: 25801, ldaps: 25802 } });
 * await ldap.add(personLdif({ uid: "alice", ou: "people", telephoneNumber: "201" }));
 * // bind as ldap.serviceDn / ldap.servicePassword, search under ldap.baseDn
 * await ldap.stop();
 * ```
 *
 * The directory: `dc=example,dc=org` with `ou=people` and a read-only service account for the
 * hub (`cn=presence-hub,ou=services,…`), which — like a real one — is held to a size limit
 * (default 100 entries, and 100 per page) while paged searches may return any total: only a client
 * that pages reads a larger directory. The admin (`rootdn`) has no limits; tests change the
 * directory through it with the ldap-utils CLIs.
 *
 * slapd runs in the foreground (`-d`), in its own process group, and is stopped by the PID we
 * started, never by name. A watchdog kills it if the test process dies without its exit hooks.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { generateTlsCertificates } from "./tls-certs.js";
import { guardProcess, signal } from "./process-guard.js";
import { onPath } from "./on-path.js";

export const OPENLDAP_BASE_DN = "dc=example,dc=org";
const ADMIN_DN = `cn=admin,${OPENLDAP_BASE_DN}`;
const SERVICE_DN = `cn=presence-hub,ou=services,${OPENLDAP_BASE_DN}`;
const SLAPD = "/usr/sbin/slapd";
const SCHEMAS = ["core", "cosine", "inetorgperson", "nis"];

/** Options of {@link startOpenLdap}. */
export interface OpenLdapOptions {
  /** Loopback ports; `ldaps` (with a throwaway CA and certificate) only when given. */
  readonly ports: { readonly ldap: number; readonly ldaps?: number };
  /** The service account's size limit for unpaged searches and per page. Default 100. */
  readonly sizeLimit?: number;
  /** Folder in which the run dir is made. Default os.tmpdir(). */
  readonly parentDir?: string;
  /** Bound for start-up until the server answers a bind. Default 15 s. */
  readonly startTimeoutMs?: number;
}

/** A running (or stopped) fixture server. */
export interface OpenLdapInstance {
  /** `ldap://127.0.0.1:<port>` */
  readonly url: string;
  /** `ldaps://127.0.0.1:<port>`, when started with an ldaps port. */
  readonly ldapsUrl: string | undefined;
  /** The throwaway CA that signed the server certificate (PEM text and file). */
  readonly caCertPem: string | undefined;
  readonly caCertPath: string | undefined;
  readonly baseDn: string;
  /** The read-only account the hub binds as. */
  readonly serviceDn: string;
  readonly servicePassword: string;
  readonly runDir: string;
  readonly pid: number | undefined;
  /** Adds entries (LDIF without changetype). */
  add(ldif: string): Promise<void>;
  /** Applies LDIF change records (`changetype: modify` …). */
  modify(ldif: string): Promise<void>;
  /** Deletes entries by DN. */
  delete(...dns: string[]): Promise<void>;
  /** The last lines of slapd's log (for failure messages). */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after 5 s; idempotent. Deletes the run dir. */
  stop(): Promise<void>;
}

/** A person as tests describe them; attributes left out are not written. */
export interface LdapPerson {
  readonly uid?: string;
  readonly ou?: string;
  /** RDN: `uid=<uid>` by default; e.g. `cn=No Uid`. */
  readonly rdn?: string;
  readonly cn?: string;
  readonly displayName?: string;
  readonly telephoneNumber?: string | readonly string[];
  readonly labeledURI?: string | readonly string[];
  readonly mail?: string;
  readonly pager?: string;
}

/** The DN of a person written by {@link personLdif}. */
export function personDn(p: LdapPerson): string {
  return `${p.rdn ?? `uid=${p.uid}`},ou=${p.ou ?? "people"},${OPENLDAP_BASE_DN}`;
}

/** An inetOrgPerson entry as LDIF. */
export function personLdif(p: LdapPerson): string {
  const lines = [`dn: ${personDn(p)}`, "objectClass: inetOrgPerson"];
  const cn = p.cn ?? p.uid ?? "nobody";
  const add = (name: string, v: string | readonly string[] | undefined) => {
    for (const value of typeof v === "string" ? [v] : (v ?? [])) lines.push(`${name}: ${value}`);
  };
  add("uid", p.uid);
  add("cn", cn);
  add("sn", cn.split(" ").at(-1)!);
  add("displayName", p.displayName);
  add("telephoneNumber", p.telephoneNumber);
  add("labeledURI", p.labeledURI);
  add("mail", p.mail);
  add("pager", p.pager);
  return lines.join("\n") + "\n\n";
}

/** An organizational unit under the base, as LDIF (each test scenario reads its own). */
export function ouLdif(ou: string): string {
  return `dn: ou=${ou},${OPENLDAP_BASE_DN}\nobjectClass: organizationalUnit\nou: ${ou}\n\n`;
}

/** Throws a clear error naming the missing Debian packages when the fixture cannot run here. */
export function openLdapAvailable(): void {
  const missing: string[] = [];
  if (!existsSync(SLAPD) || !existsSync("/etc/ldap/schema/inetorgperson.schema")) missing.push("slapd");
  if (!onPath("ldapmodify")) missing.push("ldap-utils");
  if (!onPath("openssl")) missing.push("openssl");
  if (missing.length) throw new Error(`OpenLDAP fixture cannot run: missing ${missing.join(", ")}. Install with: sudo apt-get install -y ${missing.join(" ")}`);
}

/** Starts slapd with a fresh database, seeded with the base, `ou=people` and the service account. */
export async function startOpenLdap(options: OpenLdapOptions): Promise<OpenLdapInstance> {
  openLdapAvailable();
  const ports = [options.ports.ldap, ...(options.ports.ldaps !== undefined ? [options.ports.ldaps] : [])];
  for (const p of ports) await assertPortFree(p);
  const parent = options.parentDir ?? os.tmpdir();
  await mkdir(parent, { recursive: true });
  const runDir = mkdtempSync(path.join(parent, "openldap-"));
  await mkdir(path.join(runDir, "db"));
  const certs = options.ports.ldaps !== undefined ? await generateTlsCertificates(path.join(runDir, "tls")) : undefined;
  const adminPassword = randomBytes(12).toString("hex");
  const servicePassword = randomBytes(12).toString("hex");
  const limit = options.sizeLimit ?? 100;

  const conf = path.join(runDir, "slapd.conf");
  await writeFile(
    conf,
    [
      "# Generated by test/src/support/openldap.ts for one fixture instance.",
      ...SCHEMAS.map((s) => `include /etc/ldap/schema/${s}.schema`),
      `pidfile ${runDir}/slapd.pid`,
      `argsfile ${runDir}/slapd.args`,
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      ...(certs ? [`TLSCACertificateFile ${certs.caCertPath}`, `TLSCertificateFile ${certs.certPath}`, `TLSCertificateKeyFile ${certs.keyPath}`] : []),
      "database mdb",
      "maxsize 104857600",
      `suffix "${OPENLDAP_BASE_DN}"`,
      `rootdn "${ADMIN_DN}"`,
      `rootpw ${adminPassword}`,
      `directory ${runDir}/db`,
      "access to attrs=userPassword by anonymous auth by * none",
      `access to * by dn.exact="${SERVICE_DN}" read by * none`,
      // A real server's limit for the hub's account: unpaged searches and pages stop at `limit`,
      // paged searches may return any total (what Active Directory's MaxPageSize does too).
      `limits dn.exact="${SERVICE_DN}" size.soft=${limit} size.hard=${limit} size.pr=${limit} size.prtotal=unlimited`,
      "",
    ].join("\n"),
  );

  const urls = [`ldap://127.0.0.1:${options.ports.ldap}/`, ...(options.ports.ldaps !== undefined ? [`ldaps://127.0.0.1:${options.ports.ldaps}/`] : [])];
  const logFile = path.join(runDir, "slapd.log");
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    // -d: stay in the foreground, log to stderr ("stats": one line per operation).
    child = spawn(SLAPD, ["-f", conf, "-h", urls.join(" "), "-d", "stats"], { detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn slapd");
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    });
  });
  const guard = guardProcess(pid, { group: false, name: "slapd" });

  const url = `ldap://127.0.0.1:${options.ports.ldap}`;
  const admin = ["-x", "-H", url, "-D", ADMIN_DN, "-w", adminPassword];
  const tail = (lines = 30) => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exitInfo === undefined) {
      signal(pid, "SIGTERM");
      const timer = setTimeout(() => signal(pid, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    guard.release();
    await rm(runDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    if (exitInfo !== undefined) {
      await stop();
      throw new Error(`slapd exited during start-up (${exitInfo}):\n${tail()}`);
    }
    if (await run("ldapwhoami", admin, "", 5_000).then(() => true, () => false)) break;
    if (Date.now() > deadline) {
      const log = tail();
      await stop();
      throw new Error(`slapd did not answer on ${url} within ${options.startTimeoutMs ?? 15_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const ldapmodify = (args: string[], ldif: string) => run("ldapmodify", [...admin, ...args], ldif, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\nslapd log:\n${tail(10)}`);
  });
  const seed =
    `dn: ${OPENLDAP_BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n` +
    ouLdif("people") +
    ouLdif("services") +
    `dn: ${SERVICE_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: presence-hub\nuserPassword: ${ssha(servicePassword)}\n\n`;
  try {
    await ldapmodify(["-a"], seed);
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url,
    ldapsUrl: options.ports.ldaps !== undefined ? `ldaps://127.0.0.1:${options.ports.ldaps}` : undefined,
    caCertPem: certs?.caCertPem,
    caCertPath: certs?.caCertPath,
    baseDn: OPENLDAP_BASE_DN,
    serviceDn: SERVICE_DN,
    servicePassword,
    runDir,
    get pid() {
      return exitInfo === undefined ? pid : undefined;
    },
    add: (ldif) => ldapmodify(["-a"], ldif),
    modify: (ldif) => ldapmodify([], ldif),
    delete: (...dns) => run("ldapdelete", admin, dns.join("\n") + "\n", 30_000),
    logTail: tail,
    stop,
  };
}

/** `{SSHA}` as slappasswd makes it: the server never stores the service password in clear. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash("sha1").update(password).update(salt).digest(), salt]).toString("base64")}`;
}

/** Runs an ldap-utils command with stdin, bounded; rejects with its stderr. */
function run(command: string, args: string[], stdin: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 8 << 20 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${command} failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
    child.stdin?.end(stdin);
  });
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (e: NodeJS.ErrnoException) => reject(new Error(`OpenLDAP fixture: 127.0.0.1:${port} is in use (${e.code}); is a slapd from an earlier run still alive?`)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

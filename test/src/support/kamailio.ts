/**
 * A real Kamailio 5.6 presence server (presence + RLS + registrar) for interop tests, started
 * per test file on loopback ports the test chooses.
 *
 * ```ts
 * const kam = await startKamailio({ ports: { udp: 25060, tls: 25061 } });
 * // SUBSCRIBE sip:alice@127.0.0.1 at 127.0.0.1:25060 (UDP or TCP), digest hub/secret
 * await kam.stop();
 * ```
 *
 * Each instance gets a fresh run dir (config, databases, TLS files, log, RPC socket), runs in
 * the foreground (`-DD`, no daemon, no systemd) in its own process group, and is stopped by
 * the PID we started, never by name. Instances still running when the test process exits are
 * killed; a watchdog process also kills them if the test process dies without running its
 * exit hooks (SIGKILL, crash), so no orphan keeps a port busy for the next run.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, writeSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  createKamailioDatabases,
  KAMAILIO_DOMAIN,
  writePresRules,
  type GeneratedUsersOptions,
  type PresRulesAction,
  type SipAccount,
} from "./kamailio-db.js";
import { sipOptions, type SipProbeTransport } from "./sip-probe.js";
import { generateTlsCertificates } from "./tls-certs.js";
import { guardProcess, signal, type ProcessGuard } from "./process-guard.js";
import { onPath } from "./on-path.js";

export {
  generatedUsernames,
  KAMAILIO_ACCOUNTS,
  KAMAILIO_DOMAIN,
  KAMAILIO_LISTS,
  type GeneratedUsersOptions,
  type KamailioAccountName,
  type PresRulesAction,
  type SipAccount,
} from "./kamailio-db.js";

const execFileAsync = promisify(execFile);

/** The config template (test/fixtures/kamailio/kamailio.cfg), same relative path from src/ and dist/. */
const TEMPLATE = fileURLToPath(new URL("../../fixtures/kamailio/kamailio.cfg", import.meta.url));

/**
 * Server behaviours selectable at start. Without any, the server challenges REGISTER,
 * PUBLISH, INVITE and initial SUBSCRIBEs with 401 (qop=auth), answers SUBSCRIBE with 200,
 * sends body-less NOTIFYs while nothing is published and reuses the watcher's TCP/TLS
 * connection for NOTIFYs.
 */
export type KamailioMode =
  /** 407 Proxy-Authenticate instead of 401 (REGISTER stays 401). */
  | "proxy-auth"
  /** No authentication at all (trusted trunk). */
  | "trusted"
  /** Challenges without qop (RFC 2069 style digest). */
  | "no-qop"
  /** In-dialog SUBSCRIBEs (refresh, unsubscribe) need credentials too. */
  | "in-dialog-auth"
  /** Each nonce is accepted once; with "in-dialog-auth" every refresh is re-challenged. */
  | "one-time-nonce"
  /** Nonces expire after `nonceExpireSeconds` (stale=true challenges). */
  | "short-nonce"
  /** Presence subscriptions stay pending until `authorize()` allows the watcher. */
  | "pending"
  /** "202 Accepted" instead of "200 OK" to SUBSCRIBE. */
  | "subscribe-202"
  /** A dummy PIDF / empty dialog-info instead of a body-less NOTIFY. */
  | "dummy-bodies"
  /** No connection reuse: NOTIFYs go to the Contact address (the watcher must listen). */
  | "no-tcp-alias"
  /** Subscriptions are written back to db_text and survive a clean `restart()`. */
  | "persist-subscriptions"
  /** Kamailio debug=3 (very verbose log). */
  | "debug";

const MODE_DEFINES: Record<KamailioMode, string> = {
  "proxy-auth": "MODE_PROXY_AUTH",
  trusted: "MODE_TRUSTED",
  "no-qop": "MODE_NO_QOP",
  "in-dialog-auth": "MODE_INDIALOG_AUTH",
  "one-time-nonce": "MODE_ONE_TIME_NONCE",
  "short-nonce": "MODE_SHORT_NONCE",
  pending: "MODE_PENDING",
  "subscribe-202": "MODE_SUBS_202",
  "dummy-bodies": "MODE_DUMMY_BODIES",
  "no-tcp-alias": "MODE_NO_TCP_ALIAS",
  "persist-subscriptions": "MODE_PERSIST_SUBS",
  debug: "WITH_DEBUG",
};

/** Options of {@link startKamailio}. */
export interface KamailioOptions {
  /**
   * Loopback ports. Each test file picks its own range so parallel runs never collide.
   * `tcp` defaults to `udp`; `tls` to `udp + 1`.
   */
  ports: { udp: number; tcp?: number; tls?: number };
  /** Behaviours, see {@link KamailioMode}. Default: none (digest 401). */
  modes?: readonly KamailioMode[];
  /** Listen on TLS with a certificate generated now. Default true. */
  tls?: boolean;
  /** Folder in which the run dir is created (e.g. the test's temp folder). Default os.tmpdir(). */
  parentDir?: string;
  /** Accounts besides the fixed ones. */
  extraAccounts?: readonly SipAccount[];
  /** N generated accounts (and optionally lists of all of them) for load tests. */
  generatedUsers?: GeneratedUsersOptions;
  /**
   * Turn a rate limit on: more than `perSecond` requests of `methods` (default SUBSCRIBE) in
   * one wall-clock second are answered `503` with `Retry-After: retryAfterSeconds` (default 1).
   * The server's own requests (RLS back-end) are never limited. Default: off.
   */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number; methods?: readonly string[] };
  /** Nonce lifetime in the "short-nonce" mode. Default 10 s. */
  nonceExpireSeconds?: number;
  /**
   * Timeout of the server's non-INVITE transactions (tm fr_timer), ms. Default 5 s, so a NOTIFY
   * to a vanished watcher fails fast. A big resource list needs more: the RLS subscribes to
   * every member at once, and the last of those back-end SUBSCRIBEs (and their NOTIFYs) is
   * answered only seconds later (about 12 s for 10,000 members); when they time out the member
   * is lost from the list for good.
   */
  transactionTimeoutMs?: number;
  /** UDP and TCP worker processes (each). Default 2. */
  workers?: number;
  /** Shared memory in MB (raise it for thousands of subscriptions). Default 64. */
  sharedMemoryMb?: number;
  /** Private memory per process in MB. Default 8. */
  privateMemoryMb?: number;
  /** Bound for start-up (config check excluded) until every listener answers OPTIONS. Default 10 s. */
  startTimeoutMs?: number;
  /** Bound for a clean stop before SIGKILL. Default 5 s. */
  stopTimeoutMs?: number;
}

/** A running (or stopped) fixture server. */
export interface KamailioInstance {
  /** Listening ports on 127.0.0.1; `tls` is undefined when TLS is off. */
  readonly ports: { readonly udp: number; readonly tcp: number; readonly tls: number | undefined };
  /** SIP domain and digest realm: `127.0.0.1`. Presentities are `sip:USER@127.0.0.1`. */
  readonly domain: string;
  /** The run dir: kamailio.cfg, kamailio.log, kamailio.sqlite, dbtext/, tls/, kamailio_ctl. */
  readonly runDir: string;
  /** CA certificate (PEM) that signed the server certificate; undefined when TLS is off. */
  readonly caCertPem: string | undefined;
  /** PID (= process group id) of the running main process; undefined when stopped. */
  readonly pid: number | undefined;
  /** Path of the Kamailio log (stderr of every start, appended). */
  readonly logFile: string;
  /** `sip:USER@127.0.0.1`. */
  uri(user: string): string;
  /** SIGTERM to the main process, SIGKILL to its process group after `stopTimeoutMs`. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stop, then start again on the same ports with the same run dir and databases: a real server
   * restart with whatever state Kamailio keeps (registrations, dialogs and, unless
   * "persist-subscriptions", subscriptions are lost; publications are kept in db_text).
   */
  restart(): Promise<void>;
  /** SIGKILL the whole process group at once (a crash: nothing is flushed). */
  kill(): Promise<void>;
  /** Runs `kamcmd` against this instance, e.g. `rpc("ul.dump")`; resolves with its output. */
  rpc(command: string, ...args: string[]): Promise<string>;
  /** The last `lines` (default 40) lines of the log. */
  logTail(lines?: number): string;
  /**
   * Writes a pres-rules document for `presentity` applying `action` to `watchers` and makes
   * the server re-evaluate its watchers (mode "pending": pending -> active / terminated).
   */
  authorize(presentity: string, watchers: readonly string[], action?: PresRulesAction): Promise<void>;
  /** Stops the server and deletes its run dir. */
  dispose(): Promise<void>;
}

/** Start-up failure, with the log tail in the message. */
export class KamailioStartError extends Error {
  override readonly name = "KamailioStartError";
}

// ---------------------------------------------------------------- availability

interface Requirement {
  what: string;
  pkg: string;
  present: () => boolean;
}

/**
 * Throws a clear error naming the missing Debian package(s) when the fixture cannot run
 * here. `tls: false` skips the TLS requirements (kamailio-tls-modules, openssl).
 */
export function kamailioAvailable(options: { tls?: boolean } = {}): void {
  const modules = moduleDir();
  const mod = (name: string) => (): boolean => modules !== undefined && existsSync(path.join(modules, name));
  const reqs: Requirement[] = [
    { what: "kamailio binary", pkg: "kamailio", present: () => onPath("kamailio") },
    { what: "kamcmd", pkg: "kamailio", present: () => onPath("kamcmd") },
    { what: "db_text module", pkg: "kamailio", present: mod("db_text.so") },
    { what: "presence/rls/pua modules", pkg: "kamailio-presence-modules", present: () => ["presence.so", "presence_xml.so", "presence_dialoginfo.so", "pua.so", "pua_dialoginfo.so", "rls.so"].every((m) => mod(m)()) },
    { what: "db_sqlite module and schema", pkg: "kamailio-sqlite-modules", present: () => mod("db_sqlite.so")() && existsSync("/usr/share/kamailio/db_sqlite/presence-create.sql") },
    { what: "sqlite3 CLI", pkg: "sqlite3", present: () => onPath("sqlite3") },
  ];
  if (options.tls ?? true) {
    reqs.push({ what: "tls module", pkg: "kamailio-tls-modules", present: mod("tls.so") });
    reqs.push({ what: "openssl CLI", pkg: "openssl", present: () => onPath("openssl") });
  }
  const missing = reqs.filter((r) => !r.present());
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new Error(
      `Kamailio fixture cannot run: missing ${missing.map((m) => `${m.what} (${m.pkg})`).join(", ")}. ` +
        `Install with: sudo apt-get install -y ${pkgs.join(" ")}`,
    );
  }
}

function moduleDir(): string | undefined {
  const candidates = ["/usr/lib/kamailio/modules", "/usr/lib64/kamailio/modules", "/usr/local/lib64/kamailio/modules", "/usr/local/lib/kamailio/modules"];
  try {
    // Debian multiarch: /usr/lib/<triplet>/kamailio/modules
    for (const d of readdirSync("/usr/lib")) candidates.unshift(path.join("/usr/lib", d, "kamailio", "modules"));
  } catch {
    /* no /usr/lib: keep the fixed candidates */
  }
  return candidates.find((d) => existsSync(path.join(d, "tm.so")));
}

// ---------------------------------------------------------------- process cleanup

interface Tracked {
  readonly pgid: number;
  readonly guard: ProcessGuard;
}

function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  return signal(-pgid, sig);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True if `p` settles within `ms`; the timer is cleared either way (a pending one would keep the test runner alive). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True while a process of the group is alive. Zombies do not count: they hold no socket, and
 * after SIGKILL the orphaned children wait for PID 1 to reap them, which some container inits
 * do only every few seconds.
 */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return signalGroup(pgid, 0); // no procfs: zombies count, waits may be longer
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    } catch {
      /* exited while scanning */
    }
  }
  return false;
}

/** Waits until no live process of the group is left; false on timeout. */
async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!groupAlive(pgid)) return true;
    await sleep(25);
  }
  return !groupAlive(pgid);
}

// ---------------------------------------------------------------- start

/**
 * Writes a fresh run dir, creates the databases (and TLS certificate), checks the config with
 * `kamailio -c`, starts Kamailio and resolves once UDP, TCP (and TLS) all answer OPTIONS.
 * Rejects with {@link KamailioStartError} (log tail included) when it does not come up in time.
 */
export async function startKamailio(options: KamailioOptions): Promise<KamailioInstance> {
  const tlsOn = options.tls ?? true;
  kamailioAvailable({ tls: tlsOn });
  const ports = {
    udp: options.ports.udp,
    tcp: options.ports.tcp ?? options.ports.udp,
    tls: tlsOn ? (options.ports.tls ?? options.ports.udp + 1) : undefined,
  };
  for (const p of [ports.udp, ports.tcp, ports.tls]) {
    if (p !== undefined && (!Number.isInteger(p) || p < 1024 || p > 65535)) {
      throw new Error(`startKamailio: port ${p} is not an unprivileged port (1024-65535)`);
    }
  }
  const modes = [...new Set(options.modes ?? [])];
  const parent = options.parentDir ?? os.tmpdir();
  await mkdir(parent, { recursive: true });
  const runDir = mkdtempSync(path.join(parent, "kamailio-"));
  if (!/^[\w/.-]+$/.test(runDir)) {
    throw new Error(`startKamailio: run dir ${runDir} has characters the config preprocessor cannot take; use a plain parentDir`);
  }
  // The RPC socket is a unix socket: its path must fit in sun_path (108 bytes incl. NUL).
  if (Buffer.byteLength(path.join(runDir, "kamailio_ctl")) > 100) {
    throw new Error(`startKamailio: run dir ${runDir} is too long for the RPC unix socket; use a shorter parentDir`);
  }

  let caCertPem: string | undefined;
  let certPath = "";
  let keyPath = "";
  if (tlsOn) {
    const certs = await generateTlsCertificates(path.join(runDir, "tls"));
    caCertPem = certs.caCertPem;
    certPath = certs.certPath;
    keyPath = certs.keyPath;
  }
  await createKamailioDatabases(runDir, {
    ...(options.extraAccounts ? { extraAccounts: options.extraAccounts } : {}),
    ...(options.generatedUsers ? { generatedUsers: options.generatedUsers } : {}),
  });

  const values: Record<string, string> = {
    KAM_RUN_DIR: runDir,
    KAM_IP: KAMAILIO_DOMAIN,
    KAM_UDP_PORT: String(ports.udp),
    KAM_TCP_PORT: String(ports.tcp),
    KAM_TLS_PORT: String(ports.tls ?? 0),
    KAM_REALM: KAMAILIO_DOMAIN,
    KAM_CHILDREN: String(options.workers ?? 2),
    KAM_NONCE_EXPIRE: String(options.nonceExpireSeconds ?? 10),
    KAM_FR_TIMER: String(options.transactionTimeoutMs ?? 5_000),
  };
  const defines = modes.map((m) => MODE_DEFINES[m]);
  if (tlsOn) {
    defines.push("WITH_TLS");
    values.KAM_TLS_CERT = certPath;
    values.KAM_TLS_KEY = keyPath;
  }
  if (options.transactionTimeoutMs !== undefined && !(Number.isInteger(options.transactionTimeoutMs) && options.transactionTimeoutMs >= 100)) {
    throw new Error("startKamailio: transactionTimeoutMs must be a whole number of ms, at least 100");
  }
  if (options.rateLimit) {
    const methods = options.rateLimit.methods ?? ["SUBSCRIBE"];
    if (!methods.every((m) => /^[A-Z]+$/.test(m))) throw new Error("startKamailio: rateLimit.methods must be SIP method names");
    if (!(options.rateLimit.perSecond >= 1)) throw new Error("startKamailio: rateLimit.perSecond must be at least 1");
    defines.push("WITH_RATE_LIMIT");
    values.KAM_RL_METHODS = methods.join("|");
    values.KAM_RL_PER_SEC = String(Math.floor(options.rateLimit.perSecond));
    values.KAM_RL_RETRY_AFTER = String(options.rateLimit.retryAfterSeconds ?? 1);
  }
  const cfg = path.join(runDir, "kamailio.cfg");
  await writeFile(
    cfg,
    [
      "#!KAMAILIO",
      "# Generated by test/src/support/kamailio.ts for one fixture instance.",
      `# modes: ${modes.join(", ") || "(default: digest 401)"}`,
      ...Object.entries(values).map(([k, v]) => `#!substdef "!${k}!${v}!g"`),
      ...defines.map((d) => `#!define ${d}`),
      `include_file "${TEMPLATE}"`,
      "",
    ].join("\n"),
  );

  const instance = new Instance({
    runDir,
    cfg,
    ports,
    caCertPem,
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    args: ["-m", String(options.sharedMemoryMb ?? 64), "-M", String(options.privateMemoryMb ?? 8)],
  });
  await instance.checkConfig();
  await instance.start();
  return instance;
}

interface InstanceSetup {
  runDir: string;
  cfg: string;
  ports: { udp: number; tcp: number; tls: number | undefined };
  caCertPem: string | undefined;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  args: string[];
}

class Instance implements KamailioInstance {
  readonly domain = KAMAILIO_DOMAIN;
  readonly runDir: string;
  readonly ports: { udp: number; tcp: number; tls: number | undefined };
  readonly caCertPem: string | undefined;
  readonly logFile: string;
  private readonly setup: InstanceSetup;
  private child: ChildProcess | undefined;
  private tracked: Tracked | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  private starts = 0;

  constructor(setup: InstanceSetup) {
    this.setup = setup;
    this.runDir = setup.runDir;
    this.ports = setup.ports;
    this.caCertPem = setup.caCertPem;
    this.logFile = path.join(setup.runDir, "kamailio.log");
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  uri(user: string): string {
    return `sip:${user}@${this.domain}`;
  }

  private kamailioArgs(): string[] {
    const r = this.runDir;
    // -DD: stay in the foreground (children are still forked); -E: log to stderr;
    // -Y: runtime dir (default /run/kamailio needs root); -w: working dir (core files land here)
    return ["-f", this.setup.cfg, "-DD", "-E", "-Y", r, "-w", r, "-P", path.join(r, "kamailio.pid"), ...this.setup.args];
  }

  async checkConfig(): Promise<void> {
    try {
      await execFileAsync("kamailio", ["-c", ...this.kamailioArgs()], { timeout: 15_000, killSignal: "SIGKILL", maxBuffer: 8 << 20 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
      throw new KamailioStartError(`kamailio -c rejected ${this.setup.cfg}:\n${out || e.message}`);
    }
  }

  async start(): Promise<void> {
    if (this.child) throw new Error("Kamailio fixture already running");
    await assertPortsFree(this.ports);
    this.starts += 1;
    const fd = openSync(this.logFile, "a");
    writeSync(fd, `==== presence-hub fixture: start #${this.starts} at ${new Date().toISOString()} ====\n`);
    let child: ChildProcess;
    try {
      // detached: own process group (pgid = pid), so stop/kill can reach the children and
      // a Ctrl-C aimed at the test runner does not hit Kamailio half-way.
      child = spawn("kamailio", this.kamailioArgs(), { detached: true, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new KamailioStartError("could not spawn kamailio");
    this.child = child;
    this.exitInfo = undefined;
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve();
      });
    });
    child.on("error", () => undefined);
    // Never keep the test runner alive just because a server is left running.
    child.unref();
    this.tracked = { pgid: pid, guard: guardProcess(pid, { group: true, name: "kamailio" }) };

    const started = Date.now();
    const deadline = started + this.setup.startTimeoutMs;
    const pending = new Set<SipProbeTransport>(["udp", "tcp", ...(this.ports.tls !== undefined ? (["tls"] as const) : [])]);
    const lastError = new Map<SipProbeTransport, string>();
    while (pending.size > 0) {
      if (this.exitInfo !== undefined) {
        const why = this.exitInfo;
        await this.cleanupAfterExit();
        throw new KamailioStartError(`kamailio exited during start-up (${why}); log tail (${this.logFile}):\n${this.logTail(30)}`);
      }
      if (Date.now() > deadline) {
        const detail = [...pending].map((t) => `${t}: ${lastError.get(t) ?? "no answer"}`).join("; ");
        await this.stop();
        throw new KamailioStartError(
          `kamailio did not answer OPTIONS within ${this.setup.startTimeoutMs} ms (${detail}); log tail (${this.logFile}):\n${this.logTail(30)}`,
        );
      }
      await Promise.all(
        [...pending].map(async (t) => {
          const port = t === "udp" ? this.ports.udp : t === "tcp" ? this.ports.tcp : (this.ports.tls as number);
          try {
            const r = await sipOptions({ transport: t, host: this.domain, port, timeoutMs: 300, ...(t === "tls" && this.caCertPem ? { ca: this.caCertPem } : {}) });
            if (r.status === 200) pending.delete(t);
            else lastError.set(t, `${r.status} ${r.reason}`);
          } catch (err) {
            lastError.set(t, (err as Error).message);
          }
        }),
      );
      if (pending.size > 0) await sleep(50);
    }
  }

  private async cleanupAfterExit(): Promise<void> {
    const t = this.tracked;
    if (t) {
      // The main process is gone; make sure no orphaned child keeps a port.
      if (groupAlive(t.pgid)) {
        signalGroup(t.pgid, "SIGKILL");
        await waitGroupGone(t.pgid, 2000);
      }
      t.guard.release();
    }
    this.tracked = undefined;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    const t = this.tracked;
    if (!this.child || !t) return;
    if (this.exitInfo === undefined) {
      // The main process stops its children itself and flushes db_text on SIGTERM.
      signal(t.pgid, "SIGTERM");
      if (!(await settlesWithin(this.exited, this.setup.stopTimeoutMs))) signalGroup(t.pgid, "SIGKILL");
    }
    if (!(await waitGroupGone(t.pgid, this.setup.stopTimeoutMs))) {
      signalGroup(t.pgid, "SIGKILL");
      await waitGroupGone(t.pgid, 2000);
    }
    await this.cleanupAfterExit();
  }

  async kill(): Promise<void> {
    const t = this.tracked;
    if (!this.child || !t) return;
    signalGroup(t.pgid, "SIGKILL");
    await waitGroupGone(t.pgid, 5000);
    await this.cleanupAfterExit();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async rpc(command: string, ...args: string[]): Promise<string> {
    const ctl = `unix:${path.join(this.runDir, "kamailio_ctl")}`;
    try {
      const { stdout } = await execFileAsync("kamcmd", ["-s", ctl, command, ...args], { timeout: 10_000, killSignal: "SIGKILL", maxBuffer: 64 << 20 });
      return stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kamcmd ${command} ${args.join(" ")} failed: ${`${e.stderr ?? ""}${e.stdout ?? ""}`.trim() || e.message}`);
    }
  }

  logTail(lines = 40): string {
    if (!existsSync(this.logFile)) return "(no log yet)";
    // Read the end only: a debug log of a load test can be hundreds of MB.
    const fd = openSync(this.logFile, "r");
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, 256 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString("utf8").split("\n").filter((l, i, a) => l !== "" || i < a.length - 1).slice(-lines).join("\n");
    } finally {
      closeSync(fd);
    }
  }

  async authorize(presentity: string, watchers: readonly string[], action: PresRulesAction = "allow"): Promise<void> {
    await writePresRules(this.runDir, presentity, watchers, action);
    await this.rpc("presence.updateWatchers", this.uri(presentity), "presence");
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.runDir, { recursive: true, force: true });
  }
}

/** Fails early, naming the port, when another process (an earlier run?) holds one. */
async function assertPortsFree(ports: { udp: number; tcp: number; tls: number | undefined }): Promise<void> {
  const tcpFree = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen({ port, host: KAMAILIO_DOMAIN, exclusive: true }, () => s.close(() => resolve(true)));
    });
  const udpFree = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = dgram.createSocket("udp4");
      s.once("error", () => resolve(false));
      s.bind({ port, address: KAMAILIO_DOMAIN, exclusive: true }, () => s.close(() => resolve(true)));
    });
  const busy: string[] = [];
  if (!(await udpFree(ports.udp))) busy.push(`udp ${ports.udp}`);
  if (!(await tcpFree(ports.tcp))) busy.push(`tcp ${ports.tcp}`);
  if (ports.tls !== undefined && !(await tcpFree(ports.tls))) busy.push(`tcp ${ports.tls} (tls)`);
  if (busy.length > 0) {
    throw new KamailioStartError(
      `cannot start Kamailio fixture: ${busy.join(", ")} on ${KAMAILIO_DOMAIN} already in use (another test or a leftover process; see \`ss -lunpt\`)`,
    );
  }
}

/**
 * Running one SIPp process: bounded in time, on its own port, with its message trace, log and
 * errors in files under the test's folder, and a typed result. Higher-level peers (watcher,
 * publishers, phones) are in sipp.ts.
 *
 * SIPp exit codes: 0 every call succeeded, 1 at least one failed, 97 stopped by an internal
 * command, 99 no call was processed, 255 fatal (bad scenario, port in use, ...).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readSippTrace, type SipTraceMessage } from "./sipp-trace.js";

/** Folder of the scenario templates (test/fixtures/sipp), same relative path from src/ and dist/. */
export const SIPP_SCENARIO_DIR = fileURLToPath(new URL("../../fixtures/sipp/", import.meta.url));

/** How to run SIPp once. */
export interface SippRunOptions {
  /** Scenario file; a bare name (`subscribe.xml`) is looked up in {@link SIPP_SCENARIO_DIR}. */
  scenario: string;
  /** `%%NAME%%` placeholders of the scenario template and their values (e.g. timeouts). */
  template?: Readonly<Record<string, string | number>>;
  /** Base name of the files this run writes (made unique with a suffix if taken). */
  name: string;
  /** Folder for the rendered scenario and the trace files (the test's temp folder). */
  traceDir: string;
  /** Where to send requests; omit for a UAS scenario that only answers. */
  remote?: { host: string; port: number };
  /** `-s`: the `[service]` user of the scenario. */
  service?: string;
  /** Default udp. SIPp here has no TLS support. */
  transport?: "udp" | "tcp";
  /** Local SIP port (`-p`); every concurrent run needs its own. */
  localPort: number;
  /** Digest credentials (`-au`, `-ap`) and digest `uri` (`-auth_uri`, without `sip:`). */
  auth?: { username: string; password: string; uri?: string };
  /** `-key` values; every `[key]` the scenario uses must be given. */
  keys?: Readonly<Record<string, string | number>>;
  /** Hard bound for the run. Default 30000 ms. */
  timeoutMs?: number;
  /** `-m`: calls to process before SIPp exits (a UAS counts each new Call-ID). Default 1. */
  maxCalls?: number;
}

/** Files a run writes (all under `traceDir`). */
export interface SippFiles {
  /** The rendered scenario that was run. */
  scenario: string;
  /** Every SIP message sent and received (`-trace_msg`). */
  messages: string;
  /** `<log>` actions of the scenario (`-trace_logs`). */
  log: string;
  /** SIPp's error/event log (`-trace_err`). */
  errors: string;
  /** stdout + stderr. */
  output: string;
}

/** Outcome of a finished run. */
export interface SippResult {
  readonly name: string;
  /** SIPp's exit code, null when killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Exit code 0. */
  readonly ok: boolean;
  /** True when it was stopped by {@link SippRun.stop} or the time bound. */
  readonly stopped: boolean;
  readonly durationMs: number;
  /** All messages of the trace. */
  readonly messages: readonly SipTraceMessage[];
  readonly files: SippFiles;
  /** The command line, for reproducing by hand. */
  readonly command: readonly string[];
}

/** A run that failed; the message holds the command, SIPp's errors and the trace tail. */
export class SippError extends Error {
  override readonly name = "SippError";
  readonly result: SippResult;
  constructor(message: string, result: SippResult) {
    super(message);
    this.result = result;
  }
}

/**
 * Throws a clear error naming the Debian package when SIPp is missing.
 */
export function sippAvailable(): void {
  const dirs = (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter);
  if (!dirs.some((d) => d !== "" && existsSync(path.join(d, "sipp")))) {
    throw new Error("sipp not found: install the Debian package sip-tester (apt-get install -y sip-tester)");
  }
}

const live = new Set<ChildProcess>();
let exitHook = false;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A SIPp process started by {@link startSipp}. */
export class SippRun {
  readonly name: string;
  readonly files: SippFiles;
  readonly command: readonly string[];
  private readonly child: ChildProcess;
  private readonly started = Date.now();
  private readonly done: Promise<SippResult>;
  private stoppedByUs = false;
  private exited = false;

  /** @internal use {@link startSipp} */
  constructor(name: string, files: SippFiles, command: readonly string[], timeoutMs: number) {
    this.name = name;
    this.files = files;
    this.command = command;
    const out = openSync(files.output, "a");
    try {
      this.child = spawn(command[0] as string, command.slice(1), { stdio: ["ignore", out, out] });
    } finally {
      closeSync(out);
    }
    const child = this.child;
    live.add(child);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const c of live) if (c.pid !== undefined) try { process.kill(c.pid, "SIGKILL"); } catch { /* gone */ }
      });
    }
    this.done = new Promise((resolve) => {
      const timer = setTimeout(() => void this.stop(), timeoutMs);
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.exited) return;
        this.exited = true;
        clearTimeout(timer);
        live.delete(child);
        resolve({
          name: this.name,
          exitCode: code,
          signal,
          ok: code === 0,
          stopped: this.stoppedByUs,
          durationMs: Date.now() - this.started,
          messages: readSippTrace(files.messages),
          files,
          command,
        });
      };
      child.on("exit", finish);
      child.on("error", (e) => {
        void writeFile(files.errors, `spawn failed: ${e.message}\n`, { flag: "a" });
        finish(255, null);
      });
    });
  }

  /** True once the process has exited. */
  get finishedYet(): boolean {
    return this.exited;
  }

  /** The messages traced so far (the run may still be going). */
  messages(): SipTraceMessage[] {
    return readSippTrace(this.files.messages);
  }

  /**
   * Resolves with the trace once `predicate` holds for it; rejects when `timeoutMs` passes or
   * the run ends first (the error holds the trace tail).
   */
  async waitFor(predicate: (messages: SipTraceMessage[]) => boolean, timeoutMs: number, what = "condition"): Promise<SipTraceMessage[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const exitedBefore = this.exited;
      const msgs = this.messages();
      if (predicate(msgs)) return msgs;
      if (exitedBefore) throw new Error(`SIPp ${this.name} ended before ${what}\n${describeRun(this.files)}`);
      if (Date.now() > end) throw new Error(`SIPp ${this.name}: no ${what} within ${timeoutMs} ms\n${describeRun(this.files)}`);
      await sleep(40);
    }
  }

  /** Resolves when the process exits, whatever its exit code. */
  result(): Promise<SippResult> {
    return this.done;
  }

  /** Resolves when the process exits with code 0; rejects with {@link SippError} otherwise. */
  async finished(): Promise<SippResult> {
    const r = await this.done;
    if (!r.ok) throw failure(r);
    return r;
  }

  /** SIGTERM, SIGKILL after 2 s; resolves with the result (usually not ok). */
  async stop(): Promise<SippResult> {
    if (!this.exited && this.child.pid !== undefined) {
      this.stoppedByUs = true;
      try { this.child.kill("SIGTERM"); } catch { /* gone */ }
      let timer: NodeJS.Timeout | undefined;
      const killLater = new Promise<void>((r) => (timer = setTimeout(r, 2000)));
      const r = await Promise.race([this.done, killLater.then(() => undefined)]);
      clearTimeout(timer);
      if (r === undefined) try { this.child.kill("SIGKILL"); } catch { /* gone */ }
    }
    return this.done;
  }
}

/** Starts SIPp in the background; see {@link SippRun}. */
export async function startSipp(options: SippRunOptions): Promise<SippRun> {
  sippAvailable();
  await mkdir(options.traceDir, { recursive: true });
  const name = uniqueName(options.traceDir, options.name);
  const base = path.join(options.traceDir, name);
  const files: SippFiles = {
    scenario: `${base}.xml`,
    messages: `${base}.msg`,
    log: `${base}.log`,
    errors: `${base}.err`,
    output: `${base}.out`,
  };
  const source = path.isAbsolute(options.scenario) ? options.scenario : path.join(SIPP_SCENARIO_DIR, options.scenario);
  let xml = await readFile(source, "utf8");
  for (const [k, v] of Object.entries(options.template ?? {})) xml = xml.replaceAll(`%%${k}%%`, String(v));
  const left = /%%(\w+)%%/.exec(xml);
  if (left) throw new Error(`scenario ${source}: template value ${left[1]} not given`);
  await writeFile(files.scenario, xml);

  const timeoutMs = options.timeoutMs ?? 30_000;
  const cmd: string[] = ["sipp", "-sf", files.scenario];
  if (options.remote) cmd.push(`${options.remote.host}:${options.remote.port}`);
  if (options.service !== undefined) cmd.push("-s", options.service);
  cmd.push(
    "-i", "127.0.0.1", "-p", String(options.localPort),
    "-m", String(options.maxCalls ?? 1), "-nostdin",
    // no automatic BYE on abort (these are not INVITE dialogs); unexpected messages fail the run
    "-default_behaviors", "abortunexp",
    // SIPp's own bound a bit before ours, so it exits and writes its files itself
    "-timeout", `${Math.max(1, Math.floor(timeoutMs / 1000) - 1)}s`, "-timeout_error",
    "-trace_msg", "-message_file", files.messages,
    "-trace_logs", "-log_file", files.log,
    "-trace_err", "-error_file", files.errors,
  );
  if ((options.transport ?? "udp") === "tcp") cmd.push("-t", "t1");
  if (options.auth) {
    cmd.push("-au", options.auth.username, "-ap", options.auth.password);
    if (options.auth.uri !== undefined) cmd.push("-auth_uri", options.auth.uri);
  }
  for (const [k, v] of Object.entries(options.keys ?? {})) cmd.push("-key", k, String(v));
  return new SippRun(name, files, cmd, timeoutMs + 1000);
}

/** Runs SIPp to the end; rejects with {@link SippError} unless it exits with code 0. */
export async function runSipp(options: SippRunOptions): Promise<SippResult> {
  return (await startSipp(options)).finished();
}

function uniqueName(dir: string, name: string): string {
  const safe = name.replace(/[^\w.-]+/g, "_");
  let candidate = safe;
  for (let i = 2; existsSync(path.join(dir, `${candidate}.xml`)); i++) candidate = `${safe}-${i}`;
  return candidate;
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return "(none)";
  const t = readFileSync(file, "utf8").trimEnd();
  return t === "" ? "(empty)" : t.split("\n").slice(-lines).join("\n");
}

function describeRun(files: SippFiles): string {
  return [
    `--- SIPp errors (${files.errors}):`,
    tail(files.errors, 15),
    `--- scenario log (${files.log}):`,
    tail(files.log, 10),
    `--- message trace tail (${files.messages}):`,
    tail(files.messages, 60),
  ].join("\n");
}

function failure(r: SippResult): SippError {
  const how = r.signal ? `killed by ${r.signal}${r.stopped ? " (time bound or stop())" : ""}` : `exit code ${r.exitCode}`;
  return new SippError(`SIPp ${r.name} failed: ${how} after ${r.durationMs} ms\ncommand: ${r.command.join(" ")}\n${describeRun(r.files)}`, r);
}

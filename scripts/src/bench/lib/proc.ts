import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A request from the driver to a benchmark process. */
interface IpcRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

/** A benchmark process's answer to one request, or an event it reports on its own. */
type IpcMessage = { readonly id: number; readonly result?: unknown; readonly error?: string } | { readonly event: string; readonly data?: unknown };

/** Handlers a benchmark process offers to the driver, by command name. */
export type IpcHandlers = Record<string, (args: never) => unknown>;

/**
 * Serves the driver's requests in a benchmark process (one answer per request, errors passed
 * back as text). The process exits when the driver goes away, so no orphan keeps a port busy.
 */
export function serveIpc(handlers: IpcHandlers): void {
  if (!process.send) throw new Error("this benchmark process must be started by the bench driver (IPC channel missing)");
  process.on("message", (raw) => {
    const m = raw as IpcRequest;
    const handler = handlers[m.cmd] as ((args: unknown) => unknown) | undefined;
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown command ${m.cmd}`);
        const result = await handler(m.args);
        process.send!({ id: m.id, result: result ?? null });
      } catch (e) {
        process.send!({ id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
}

/** Reports an event to the driver (e.g. `ready`). */
export function emit(event: string, data?: unknown): void {
  process.send?.({ event, data });
}

/** Whether `taskset` can pin processes here (Linux with util-linux, and at least two CPUs to pin to). */
export const canPin: boolean = (() => {
  try {
    return spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  } catch {
    return false;
  }
})();

/** Options for {@link BenchProcess.start}. */
export interface StartOptions {
  /** CPU to pin the process to (`taskset -c`), when pinning is possible. */
  readonly cpu?: number;
  /** Extra Node flags (`--expose-gc`, `--cpu-prof`…). */
  readonly nodeArgs?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Forward the process's stdout/stderr (default: stderr only). */
  readonly stdout?: boolean;
}

/**
 * One benchmark process (hub, NOTIFY source, consoles…): a fresh Node process, pinned to one CPU
 * with `taskset` where possible, driven over the IPC channel. Always stopped by its own PID.
 */
export class BenchProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly events = new Map<string, unknown[]>();
  private readonly waiters: { event: string; resolve: (v: unknown) => void }[] = [];
  private exited = false;
  private readonly exitPromise: Promise<number | null>;

  /** Every process started and not yet exited: killed if the driver exits early (Ctrl-C, crash). */
  private static readonly live = new Set<BenchProcess>();

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    BenchProcess.live.add(this);
    if (BenchProcess.live.size === 1) installExitHook();
    child.on("message", (raw) => this.onMessage(raw as IpcMessage));
    this.exitPromise = new Promise((resolve) => {
      child.on("exit", (code) => {
        this.exited = true;
        BenchProcess.live.delete(this);
        for (const p of this.pending.values()) p.reject(new Error(`${this.name} exited (code ${code}) before answering`));
        this.pending.clear();
        resolve(code);
      });
    });
  }

  /** Starts `script` (a module in this package's dist/bench/proc). */
  static start(name: string, script: string, options: StartOptions = {}): BenchProcess {
    const file = fileURLToPath(new URL(`../proc/${script}.js`, import.meta.url));
    const nodeArgv = [...(options.nodeArgs ?? []), file, ...(options.args ?? [])];
    const pinned = canPin && options.cpu !== undefined;
    const command = pinned ? "taskset" : process.execPath;
    const argv = pinned ? ["-c", String(options.cpu), process.execPath, ...nodeArgv] : nodeArgv;
    const child = spawn(command, argv, {
      stdio: ["ignore", options.stdout ? "inherit" : "ignore", "inherit", "ipc"],
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      serialization: "advanced",
    });
    return new BenchProcess(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a command; resolves with the process's answer (rejects on its error or after `timeoutMs`). */
  call<T = unknown>(cmd: string, args: unknown = null, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, cmd, args });
    });
  }

  /** Resolves with the data of the first (or next unseen) `event` the process reported. */
  waitEvent<T = unknown>(event: string, timeoutMs = 120_000): Promise<T> {
    const queued = this.events.get(event);
    if (queued && queued.length > 0) return Promise.resolve(queued.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${event} within ${timeoutMs} ms`)), timeoutMs);
      const waiter = {
        event,
        resolve: (v: unknown) => {
          clearTimeout(timer);
          resolve(v as T);
        },
      };
      this.waiters.push(waiter);
      void this.exitPromise.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code}) before ${event}`));
      });
    });
  }

  /** Asks the process to stop (`stop` command with `args`, then SIGTERM, then SIGKILL) and waits for its exit. */
  async stop(args: unknown = null, graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    try {
      await this.call("stop", args, graceMs);
      // It exits by itself once it has answered (writing a --cpu-prof profile takes a moment).
      await Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, graceMs).unref())]);
    } catch {
      /* already gone, or stuck: signals below */
    }
    if (!this.exited) this.child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (!this.exited) this.child.kill("SIGKILL");
    }, 3000);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** Resolves when the process has exited (its exit code). */
  exit(): Promise<number | null> {
    return this.exitPromise;
  }

  /** Kills every process still running (by PID), synchronously. */
  static killAll(): void {
    for (const p of BenchProcess.live) if (!p.exited) p.child.kill("SIGKILL");
  }

  private onMessage(m: IpcMessage): void {
    if ("event" in m) {
      const i = this.waiters.findIndex((w) => w.event === m.event);
      if (i >= 0) return this.waiters.splice(i, 1)[0]!.resolve(m.data);
      const list = this.events.get(m.event) ?? [];
      list.push(m.data);
      this.events.set(m.event, list);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`${this.name}: ${m.error}`));
    else p.resolve(m.result);
  }
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => BenchProcess.killAll());
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      BenchProcess.killAll();
      process.exit(130);
    });
  }
}

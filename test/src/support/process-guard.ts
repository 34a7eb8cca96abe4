import { spawn, type ChildProcess } from "node:child_process";
import type net from "node:net";

/**
 * Makes sure a server a test started (Kamailio, slapd…) never outlives the test process: a
 * synchronous `exit` hook kills what is left, and a watchdog `sh`, blocked on a pipe from this
 * process, kills it even when the test process dies without running its hooks (SIGKILL, OOM).
 * Processes are signalled by the PID we started (or its process group), never by name.
 */
export interface ProcessGuard {
  /** The server stopped normally: stop watching it (and end the watchdog). */
  release(): void;
}

interface Guarded {
  readonly target: number;
  readonly watchdog: ChildProcess | undefined;
}

const guarded = new Set<Guarded>();
let exitHookInstalled = false;

/**
 * Guards `pid`; with `group`, its whole process group (`kill -- -pgid`), for servers that fork
 * workers. `name` labels the watchdog in `ps`.
 */
export function guardProcess(pid: number, options: { group: boolean; name: string }): ProcessGuard {
  const target = options.group ? -pid : pid;
  const entry: Guarded = { target, watchdog: startWatchdog(target, options.name) };
  guarded.add(entry);
  installExitHook();
  return {
    release() {
      if (!guarded.delete(entry)) return;
      if (entry.watchdog?.pid !== undefined) signal(entry.watchdog.pid, "SIGKILL");
    },
  };
}

/** Sends a signal to a PID (negative: a process group); false when there is no such process. */
export function signal(target: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, sig);
    return true;
  } catch {
    return false;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work is possible here: kill what is left, no waiting.
  process.on("exit", () => {
    for (const g of guarded) {
      signal(g.target, "SIGKILL");
      if (g.watchdog?.pid !== undefined) signal(g.watchdog.pid, "SIGKILL");
    }
  });
}

function startWatchdog(target: number, name: string): ChildProcess | undefined {
  try {
    // `kill -TERM -PGID` (not `-- -PGID`): dash's kill rejects the `--` form.
    const wd = spawn("sh", ["-c", 'read _ignored; kill -TERM "$1" 2>/dev/null; sleep 2; kill -KILL "$1" 2>/dev/null', `${name}-watchdog`, String(target)], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    wd.on("error", () => undefined);
    wd.unref();
    (wd.stdin as unknown as net.Socket | null)?.unref();
    return wd;
  } catch {
    return undefined;
  }
}

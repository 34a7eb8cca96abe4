import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";

/** What the marker file holds. */
export interface RunningHub {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  /** The script the process runs (the CLI, or a test runner), to tell a reused pid apart. */
  readonly script: string;
}

/**
 * `<sqlite file>.pid`: written while a hub runs on an SQLite store, so `presence-hub restore`
 * can refuse to replace a database under a running hub. SQLite's own locks cannot tell: in WAL
 * mode an idle hub holds none that a second process would notice. A marker left by a hub that
 * crashed is recognised as stale (no such process, or another program under that pid) and
 * ignored.
 */
export class RunningHubMarker {
  readonly file: string;

  constructor(databaseFile: string) {
    this.file = `${databaseFile}.pid`;
  }

  /** Records this process as the running hub. */
  claim(): void {
    const me: RunningHub = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), script: process.argv[1] ?? "" };
    writeFileSync(this.file, JSON.stringify(me) + "\n", { mode: 0o644 });
  }

  /** Removes the marker if it is this process's. */
  release(): void {
    const current = this.read();
    if (current && current.pid === process.pid && current.hostname === hostname()) rmSync(this.file, { force: true });
  }

  /** The hub running on this store, or null (no marker, or a stale one). */
  running(): RunningHub | null {
    const marker = this.read();
    if (!marker) return null;
    // Another machine (a store on a network share): its process cannot be checked from here; trust the marker.
    if (marker.hostname !== hostname()) return marker;
    return processIsAlive(marker) ? marker : null;
  }

  private read(): RunningHub | null {
    try {
      const parsed = JSON.parse(readFileSync(this.file, "utf8")) as Partial<RunningHub>;
      return typeof parsed.pid === "number" && typeof parsed.hostname === "string" ? (parsed as RunningHub) : null;
    } catch {
      return null;
    }
  }
}

function processIsAlive(marker: RunningHub): boolean {
  try {
    process.kill(marker.pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user (the service account): alive.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  if (marker.pid === process.pid) return true;
  // Linux: a pid reused by an unrelated program after a crash does not count.
  try {
    const cmdline = readFileSync(`/proc/${marker.pid}/cmdline`, "utf8");
    return !marker.script || cmdline.includes(marker.script);
  } catch {
    return true;
  }
}

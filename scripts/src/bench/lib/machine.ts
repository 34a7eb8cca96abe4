import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/** What the figures were measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly date: string;
  readonly commit: string;
  readonly pinned: boolean;
}

/** Describes this machine and checkout. */
export function machineInfo(pinned: boolean): MachineInfo {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (dirty) commit += " (with uncommitted changes)";
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    date: new Date().toISOString(),
    commit,
    pinned,
  };
}

/** Foreign load seen while one part of the benchmark ran. */
export interface NoiseSummary {
  /** Average CPU used by processes outside the benchmark, in % of one core. */
  readonly foreignAvgPct: number;
  /** Highest one-second foreign CPU, in % of one core. */
  readonly foreignMaxPct: number;
  /** 1-minute load average at the start and the end. */
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly seconds: number;
}

/**
 * Watches the machine once a second: total busy CPU from `/proc/stat`, minus the CPU of this
 * process tree (the driver and everything it started, Kamailio included), is the foreign load
 * (other people's tests and compilers on a shared machine). Sections are marked with
 * {@link begin}/{@link end}. Without procfs the figures are NaN.
 */
export class NoiseMonitor {
  private timer: NodeJS.Timeout | null = null;
  private lastTotal = NaN;
  private lastOurs = NaN;
  private samples: number[] = [];
  private readonly stamped: { at: number; pct: number }[] = [];
  private readonly ticksPerSecond = 100;
  private section: { samples: number[]; load: number; started: number } | null = null;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  begin(): void {
    this.section = { samples: [], load: os.loadavg()[0]!, started: Date.now() };
  }

  end(): NoiseSummary {
    const s = this.section ?? { samples: [], load: os.loadavg()[0]!, started: Date.now() };
    this.section = null;
    const v = s.samples;
    return {
      foreignAvgPct: v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN,
      foreignMaxPct: v.length ? Math.max(...v) : NaN,
      loadStart: s.load,
      loadEnd: os.loadavg()[0]!,
      seconds: Math.round((Date.now() - s.started) / 1000),
    };
  }

  /** Average foreign load (% of one core) over the samples taken between two times (epoch ms); NaN if none. */
  between(from: number, to: number): number {
    const v = this.stamped.filter((s) => s.at >= from && s.at <= to + 1000).map((s) => s.pct);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  }

  /** Every one-second foreign-load sample of the whole run. */
  all(): readonly number[] {
    return this.samples;
  }

  private sample(): void {
    const total = busyTicks();
    const ours = treeTicks(process.pid);
    if (Number.isFinite(this.lastTotal) && Number.isFinite(total)) {
      // Our processes that exited between samples take their ticks with them: clamp at 0.
      const foreign = Math.max(0, total - this.lastTotal - Math.max(0, ours - this.lastOurs));
      const pct = (foreign / this.ticksPerSecond) * 100;
      this.samples.push(pct);
      this.stamped.push({ at: Date.now(), pct });
      this.section?.samples.push(pct);
    }
    this.lastTotal = total;
    this.lastOurs = ours;
  }
}

/** Busy clock ticks of all CPUs together (everything but idle and iowait). */
function busyTicks(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return f[0]! + f[1]! + f[2]! + f[5]! + f[6]!;
  } catch {
    return NaN;
  }
}

/** User+system ticks of `root` and all its descendants (threads included). */
function treeTicks(root: number): number {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return NaN;
  }
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(e), Number(f[1]));
      ticks.set(Number(e), Number(f[11]) + Number(f[12]));
    } catch {
      /* exited while scanning */
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    let p: number | undefined = pid;
    for (let depth = 0; p !== undefined && p > 1 && depth < 20; depth++) {
      if (p === root) {
        sum += t;
        break;
      }
      p = parent.get(p);
    }
  }
  return sum;
}

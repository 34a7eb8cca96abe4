import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One row of a profile summary. */
export interface ProfileRow {
  readonly name: string;
  /** Share of the non-idle samples, in %. */
  readonly selfPct: number;
  readonly totalPct: number;
}

/** Where a `--cpu-prof` profile says the time went (idle excluded). */
export interface ProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly idlePct: number;
  /** Self time by function (`name file:line`). */
  readonly functions: readonly ProfileRow[];
  /** Self time by area (a package or plugin folder, GC, node internals). */
  readonly areas: readonly ProfileRow[];
}

/** Reads a `.cpuprofile` and summarizes the top `top` functions and areas. */
export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let idle = 0;
  let busy = 0;
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  // Starting the profiler (the `profileStart` command) is not the hub's work.
  const inProfileStart = (id: number): boolean => {
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) if (byId.get(p)!.callFrame.functionName === "profileStart") return true;
    return false;
  };
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    if (inProfileStart(id)) continue;
    if (node.callFrame.functionName === "(idle)") {
      idle += t;
      continue;
    }
    busy += t;
    const name = label(node);
    fnSelf.set(name, (fnSelf.get(name) ?? 0) + t);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + t);
    // Inclusive time: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const l = label(byId.get(p)!);
      if (seen.has(l)) continue;
      seen.add(l);
      fnTotal.set(l, (fnTotal.get(l) ?? 0) + t);
    }
  }
  const rows = (m: Map<string, number>, total?: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, selfPct: (100 * t) / busy, totalPct: (100 * (total?.get(name) ?? t)) / busy }));
  return { file, busyMs: busy / 1000, idlePct: (100 * idle) / (idle + busy), functions: rows(fnSelf, fnTotal), areas: rows(areaSelf) };
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const name = f.functionName || "(anonymous)";
  if (!f.url) return name;
  const short = f.url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules|core|plugins|scripts)\//, "$1/");
  return `${name} ${short}:${f.lineNumber + 1}`;
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const m = /\/(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(url) ?? /\/(plugins\/[^/]+)\//.exec(url) ?? /\/(core|scripts)\//.exec(url);
  return m ? m[1]! : url;
}

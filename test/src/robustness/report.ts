/**
 * The robustness suite's figures (issue 12): every file of test/src/robustness adds what it
 * tried, and report-hook.ts prints the table once, after the last test and before mocha's
 * summary. Plain module state: mocha runs every file in one process, and the hook imports this
 * same module instance.
 */

/** What one parser saw. */
export interface ParserFigures {
  /** Inputs tried. */
  cases: number;
  /** Inputs the parser took (a value came back). */
  accepted: number;
  /** Inputs refused with a clear, typed reason. */
  rejected: number;
  /** Slowest single input, in ms (after one re-run of anything over the bound, see fuzz.ts). */
  slowestMs: number;
}

/** What one kind of fault did. */
export interface FaultFigures {
  /** Times the fault was injected (a kill, a reset, a flood, a malformed request…). */
  injected: number;
  /** Injections after which the hub was still up and serving. */
  survived: number;
  /** Recoveries observed (reconnected, re-subscribed, back to up-and-running). */
  recoveries: number;
}

/** Writes acknowledged before a crash and checked after the restart. */
export interface WriteFigures {
  acknowledged: number;
  lost: number;
}

const parsers = new Map<string, ParserFigures>();
const faults = new Map<string, FaultFigures>();
const writes = new Map<string, WriteFigures>();

/** Adds a parser's cases (several calls add up). */
export function recordCases(parser: string, figures: Partial<ParserFigures>): void {
  const f = parsers.get(parser) ?? { cases: 0, accepted: 0, rejected: 0, slowestMs: 0 };
  f.cases += figures.cases ?? 0;
  f.accepted += figures.accepted ?? 0;
  f.rejected += figures.rejected ?? 0;
  f.slowestMs = Math.max(f.slowestMs, figures.slowestMs ?? 0);
  parsers.set(parser, f);
}

/** Adds injected faults, survivals and recoveries of one kind. */
export function recordFault(kind: string, figures: Partial<FaultFigures>): void {
  const f = faults.get(kind) ?? { injected: 0, survived: 0, recoveries: 0 };
  f.injected += figures.injected ?? 0;
  f.survived += figures.survived ?? 0;
  f.recoveries += figures.recoveries ?? 0;
  faults.set(kind, f);
}

/** Adds acknowledged writes checked after a crash, and how many of them were missing. */
export function recordWrites(what: string, figures: WriteFigures): void {
  const f = writes.get(what) ?? { acknowledged: 0, lost: 0 };
  f.acknowledged += figures.acknowledged;
  f.lost += figures.lost;
  writes.set(what, f);
}

/** True once any file recorded anything (a run filtered to other tests prints no report). */
export function hasFigures(): boolean {
  return parsers.size > 0 || faults.size > 0 || writes.size > 0;
}

/** The report as printed: cases per parser, faults injected and recovered, lost writes. */
export function formatReport(): string {
  const lines: string[] = [];
  const table = (header: string[], rows: (string | number)[][]): void => {
    const cells = [header, ...rows.map((r) => r.map(String))];
    const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
    for (const [n, r] of cells.entries()) {
      lines.push("  " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
      if (n === 0) lines.push("  " + widths.map((w) => "-".repeat(w)).join("  "));
    }
  };
  const sum = <T>(m: Map<string, T>, f: (v: T) => number) => [...m.values()].reduce((n, v) => n + f(v), 0);

  lines.push("", "  Robustness report", "  =================");
  if (parsers.size > 0) {
    lines.push("", `  Inputs tried: ${sum(parsers, (p) => p.cases)} across ${parsers.size} parsers`);
    table(
      ["parser", "cases", "accepted", "rejected", "slowest ms"],
      [...parsers].sort(([a], [b]) => a.localeCompare(b)).map(([name, p]) => [name, p.cases, p.accepted, p.rejected, p.slowestMs.toFixed(1)]),
    );
  }
  if (faults.size > 0) {
    lines.push("", `  Faults injected: ${sum(faults, (f) => f.injected)}, survived: ${sum(faults, (f) => f.survived)}, recoveries: ${sum(faults, (f) => f.recoveries)}`);
    table(
      ["fault", "injected", "survived", "recoveries"],
      [...faults].map(([name, f]) => [name, f.injected, f.survived, f.recoveries]),
    );
  }
  if (writes.size > 0) {
    lines.push("", `  Acknowledged writes checked after kill -9: ${sum(writes, (w) => w.acknowledged)}, lost: ${sum(writes, (w) => w.lost)}`);
    table(
      ["writes", "acknowledged", "lost"],
      [...writes].map(([name, w]) => [name, w.acknowledged, w.lost]),
    );
  }
  lines.push("");
  return lines.join("\n");
}

/**
 * Shared property-based fuzzing helpers for the robustness suite (fast-check).
 *
 * Every parser that sees outside input is run over generated inputs — random bytes, inputs built
 * from the grammar, and grammar-built inputs broken by mutations — with these properties:
 *
 * - **no crash**: the parser returns (or throws only its documented error type, which the
 *   caller turns into a rejection);
 * - **no hang**: each input finishes within a bound ({@link timeBoundMs}); an input over the
 *   bound is run once more and fails only if it is slow again, so a GC pause or a busy
 *   neighbour on a shared 2-core machine does not fail the run, while an algorithmic blow-up
 *   (slow every time) does;
 * - **clear rejection**: a refusal carries a typed code and a message;
 * - **round trips** where a formatter exists (checked inside the caller's property).
 *
 * `PRESENCE_HUB_FUZZ_RUNS` sets the cases per property (CI default {@link DEFAULT_RUNS};
 * `npm run soak` sets it far higher); `PRESENCE_HUB_FUZZ_SEED` replays a failing run (fast-check
 * prints the seed and the shrunk counterexample on failure).
 */
import fc from "fast-check";
import { performance } from "node:perf_hooks";
import { recordCases } from "./report.js";

/** Cases per property in CI: thousands per parser, keeping the suite's added time near 3 minutes. */
export const DEFAULT_RUNS = 2000;

/** Cases per property for this run. */
export const FUZZ_RUNS = positiveInt(process.env.PRESENCE_HUB_FUZZ_RUNS) ?? DEFAULT_RUNS;

/** A fixed seed to replay a run, else random (fast-check prints it on failure). */
const FUZZ_SEED = process.env.PRESENCE_HUB_FUZZ_SEED === undefined ? undefined : Number(process.env.PRESENCE_HUB_FUZZ_SEED);

/** Scales the case count for properties that cost more per case (HTTP round trips, worker threads). */
export function runs(fraction = 1): number {
  return Math.max(20, Math.round(FUZZ_RUNS * fraction));
}

/** The per-input bound: 50 ms for inputs up to 64 KiB, then linear in the size (a parser must stay linear). */
export function timeBoundMs(size: number): number {
  return 50 + Math.max(0, size - 64 * 1024) / 1024;
}

/** What a parser did with one input. */
export type Verdict = "accepted" | "rejected";

/** Options of {@link fuzzParser}. */
export interface FuzzOptions<T> {
  /** Cases to try (default {@link FUZZ_RUNS}). */
  readonly numRuns?: number;
  /** Size of an input, for the time bound (default: its length, or 0). */
  readonly sizeOf?: (input: T) => number;
}

/**
 * Runs `check` over `arb` as a fast-check property with the time bound, and records the figures
 * under `parser`. `check` returns the verdict and throws (an assertion) when a property fails.
 */
export function fuzzParser<T>(parser: string, arb: fc.Arbitrary<T>, check: (input: T) => Verdict, options: FuzzOptions<T> = {}): void {
  const figures = newFigures();
  const sizeOf = options.sizeOf ?? defaultSize;
  try {
    fc.assert(
      fc.property(arb, (input) => {
        let started = performance.now();
        const verdict = check(input);
        let ms = performance.now() - started;
        const bound = timeBoundMs(sizeOf(input));
        if (ms > bound) {
          started = performance.now();
          check(input);
          ms = Math.min(ms, performance.now() - started);
          if (ms > bound) throw new Error(`${parser}: one input took ${ms.toFixed(1)} ms twice (bound ${bound.toFixed(0)} ms for ${sizeOf(input)} bytes)`);
        }
        tally(figures, verdict, ms);
      }),
      runParameters(options),
    );
  } finally {
    recordCases(parser, figures);
  }
}

/** Like {@link fuzzParser} for asynchronous targets (HTTP routes): `check` resolves to the verdict. */
export async function fuzzAsync<T>(parser: string, arb: fc.Arbitrary<T>, check: (input: T) => Promise<Verdict>, options: FuzzOptions<T> & { readonly boundMs?: number } = {}): Promise<void> {
  const figures = newFigures();
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (input) => {
        const started = performance.now();
        const verdict = await check(input);
        const ms = performance.now() - started;
        if (options.boundMs !== undefined && ms > options.boundMs) throw new Error(`${parser}: one request took ${ms.toFixed(0)} ms (bound ${options.boundMs} ms)`);
        tally(figures, verdict, ms);
      }),
      runParameters(options),
    );
  } finally {
    recordCases(parser, figures);
  }
}

/** A parser's figures for the report, counted as the cases run. */
interface ParserFigures {
  cases: number;
  accepted: number;
  rejected: number;
  slowestMs: number;
}

function newFigures(): ParserFigures {
  return { cases: 0, accepted: 0, rejected: 0, slowestMs: 0 };
}

function tally(figures: ParserFigures, verdict: Verdict, ms: number): void {
  figures.cases++;
  figures[verdict]++;
  figures.slowestMs = Math.max(figures.slowestMs, ms);
}

/** fast-check's run parameters: the CI or soak case count (or the caller's), the replay seed, every failure reported. */
function runParameters(options: { readonly numRuns?: number }): { numRuns: number; seed: number | undefined; endOnFailure: false } {
  return { numRuns: options.numRuns ?? FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: false };
}

/** Characters and fragments that break parsers: delimiters, escapes, encodings, limits. */
export const HOSTILE_FRAGMENTS: readonly string[] = [
  "\r\n", "\n", "\r", "\r\n\r\n", "\r\n ", "\t", " ", "", "\0", ":", ";", ",", "=", "\"", "\\", "<", ">", "@", "[", "]", "?", "&", "%", "%00", "%zz", "%C3%A9",
  "&amp;", "&#0;", "&#x110000;", "&lt;", "&undefined;", "<![CDATA[", "]]>", "<!--", "-->", "<?xml", "?>", "<!DOCTYPE x [<!ENTITY e \"e\">]>", "<!ENTITY",
  "\u2028", "\u202e", "\ufeff", "\ud800", "\udfff", "😀", "é", "\u0085", "\u00a0",
  "4294967295", "4294967296", "-1", "0", "99999999999999999999", "1e9", "NaN", "0x10", "+1",
  "sip:", "sips:", "tel:", "SIP/2.0", "Content-Length: 0", "Content-Length: 99999", "z9hG4bK", ";tag=", "boundary",
  "a".repeat(300), ";".repeat(100), "<".repeat(100), "\"".repeat(51),
];

/** One edit applied to a text: the building block of {@link mutated}. */
type Mutation =
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "replace"; readonly at: number; readonly text: string }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number }
  | { readonly kind: "truncate"; readonly at: number };

const fragment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE_FRAGMENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: "binary" }) });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function applyMutation(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.kind) {
    case "insert":
      return text.slice(0, at) + m.text + text.slice(at);
    case "delete":
      return text.slice(0, at) + text.slice(at + m.length);
    case "replace":
      return text.slice(0, at) + m.text + text.slice(at + m.text.length);
    case "duplicate":
      return text.slice(0, at + m.length) + text.slice(at, at + m.length) + text.slice(at + m.length);
    case "truncate":
      return text.slice(0, at);
  }
}

/** Inputs from `valid`, half of them broken by one to four random edits with hostile fragments. */
export function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    valid,
    fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([text, ms]) => ms.reduce(applyMutation, text)),
  );
}

/** Arbitrary text: unicode, binary-ish and hostile fragments glued together. */
export const junkText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200, unit: "binary" }),
  fc.string({ maxLength: 200, unit: "grapheme" }),
  fc.array(fragment, { maxLength: 20 }).map((parts) => parts.join("")),
);

/** Arbitrary bytes, including invalid UTF-8. */
export const junkBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 512 });

function defaultSize(input: unknown): number {
  if (typeof input === "string") return Buffer.byteLength(input);
  if (input instanceof Uint8Array) return input.length;
  if (Array.isArray(input)) return input.reduce((n: number, v: unknown) => n + defaultSize(v), 0);
  return 0;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`PRESENCE_HUB_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

import { expect } from "chai";
import { Worker } from "node:worker_threads";
import type { RecipeResult } from "./hostile-xml-worker.js";
import { recordCases } from "./report.js";

/** Every reader that takes XML from a peer; each runs in its own worker (see hostile-xml-worker.ts). */
const TARGETS = [
  "PIDF (NOTIFY body)",
  "dialog-info (NOTIFY body)",
  "as-feature-event (NOTIFY body)",
  "RLMI part (list NOTIFY, 16 MiB cap)",
  "CSTA message",
  "CSTA stream (NUL-terminated framing)",
  "SIP TCP stream (NOTIFY carrying the body)",
];

/** Documents that must be refused wherever they arrive (the rest may be read, but never expanded or fetched). */
const MUST_REFUSE = /entit|DTD|deep nesting \(100|10 MB|1,000,000|100,000 attributes|10,000 namespace/;

/** Heap limit of each worker: the modules take ~40 MB; a reader that expanded a bomb or built a 10 MB tree would blow it. */
const HEAP_LIMIT_MB = 96;
/** Per-document bounds: refused fast, with bounded memory. */
const MAX_MS = 250;
const MAX_HEAP_GROWTH = 16 * 1024 * 1024;

/**
 * Hostile XML (billion laughs, external entities and DTDs, deep nesting, huge attributes, 10 MB
 * bodies, just-under-the-cap variants) through every XML entry point: NOTIFY bodies by
 * Content-Type, list NOTIFYs with their 16 MiB cap, CSTA messages and both stream framers.
 * Each target runs in a worker with a hard heap limit, so "bounded memory" is enforced, not
 * sampled; time and heap growth are measured per document.
 */
describe("Robustness: hostile XML is refused fast with bounded memory", function () {
  this.timeout(120_000);

  for (const target of TARGETS) {
    it(`${target}: every hostile document refused (or read without expansion) within ${MAX_MS} ms and ${MAX_HEAP_GROWTH / 1024 / 1024} MB`, async () => {
      const results: RecipeResult[] = [];
      let running = "(starting)";
      await new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL("./hostile-xml-worker.js", import.meta.url), { workerData: { target }, resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB, maxYoungGenerationSizeMb: 16 } });
        worker.on("message", (m: { start?: string; result?: RecipeResult }) => {
          if (m.start) running = m.start;
          if (m.result) results.push(m.result);
        });
        worker.on("error", (e) => reject(new Error(`worker died while reading "${running}": ${(e as Error).message}`)));
        worker.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code} while reading "${running}"`))));
      });
      const rejected = results.filter((r) => r.outcome.startsWith("refused")).length;
      recordCases(`hostile XML -> ${target}`, { cases: results.length, rejected, accepted: results.length - rejected, slowestMs: Math.max(...results.map((r) => r.ms)) });
      for (const r of results) {
        const what = `${r.recipe} (${(r.bytes / 1024).toFixed(0)} KB): ${r.outcome}, ${r.ms.toFixed(1)} ms, heap +${(r.heapGrowthBytes / 1024 / 1024).toFixed(1)} MB`;
        if (MUST_REFUSE.test(r.recipe)) expect(r.outcome, what).to.match(/^refused/);
        expect(r.outcome, what).to.not.match(/root:x:0:0|lollollol/);
        expect(r.ms, what).to.be.below(MAX_MS);
        expect(r.heapGrowthBytes, what).to.be.below(MAX_HEAP_GROWTH);
      }
      expect(results.length).to.be.greaterThan(20);
    });
  }
});

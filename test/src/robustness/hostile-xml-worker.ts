/**
 * Runs hostile XML documents through one reader inside a worker thread with a hard heap limit
 * (see hostile-xml.test.ts): if a reader expanded entities or built a huge tree, the worker would
 * die with ERR_WORKER_OUT_OF_MEMORY instead of the test process, and the last "start" message
 * names the document that did it. Each document is built here, so the parent never holds it.
 */
import "reflect-metadata";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { dispatchBody } from "@presence-hub/plugin-sip-simple/bodies";
import { StreamFramer } from "@presence-hub/plugin-sip-simple/wire";
import { decodeIncoming, FrameDecoder } from "@presence-hub/plugin-tapi/csta";

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

const MB = 1024 * 1024;
const PIDF = "urn:ietf:params:xml:ns:pidf";
const CSTA = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

/** The hostile documents, by name: each a function of the root element's name and namespace. */
export const RECIPES: Record<string, (root: string, ns: string) => string> = {
  "billion laughs (10 levels of internal entities)": (root, ns) => {
    const ents = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i < 10; i++) ents.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    return `<?xml version="1.0"?><!DOCTYPE ${root} [${ents.join("")}]><${root} xmlns="${ns}">&lol9;</${root}>`;
  },
  "quadratic blowup (100 KB entity used 10,000 times)": (root, ns) => `<!DOCTYPE ${root} [<!ENTITY a "${"a".repeat(100_000)}">]><${root} xmlns="${ns}">${"&a;".repeat(10_000)}</${root}>`,
  "external entity (file:///etc/passwd)": (root, ns) => `<?xml version="1.0"?><!DOCTYPE ${root} [<!ENTITY x SYSTEM "file:///etc/passwd">]><${root} xmlns="${ns}">&x;</${root}>`,
  "external parameter entity (http URL)": (root, ns) => `<!DOCTYPE ${root} [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><${root} xmlns="${ns}"/>`,
  "external DTD (PUBLIC)": (root, ns) => `<!DOCTYPE ${root} PUBLIC "-//X//Y" "http://127.0.0.1:1/x.dtd"><${root} xmlns="${ns}"/>`,
  "undeclared entity reference": (root, ns) => `<${root} xmlns="${ns}">&undeclared;</${root}>`,
  "XInclude of /etc/passwd": (root, ns) => `<${root} xmlns="${ns}" xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></${root}>`,
  "deep nesting (100,000 levels)": (root, ns) => `<${root} xmlns="${ns}">${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}</${root}>`,
  "deep nesting just under the byte cap": (root, ns) => `<${root} xmlns="${ns}">${"<a>".repeat(36_000)}${"</a>".repeat(36_000)}</${root}>`,
  "huge attribute (10 MB)": (root, ns) => `<${root} xmlns="${ns}" entity="${"x".repeat(10 * MB)}"/>`,
  "huge attribute just under the byte cap": (root, ns) => `<${root} xmlns="${ns}" entity="${"x".repeat(250_000)}"/>`,
  "100,000 attributes": (root, ns) => `<${root} xmlns="${ns}" ${Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(" ")}/>`,
  "10,000 namespace declarations": (root, ns) => `<${root} xmlns="${ns}" ${Array.from({ length: 10_000 }, (_, i) => `xmlns:p${i}="urn:x:${i}"`).join(" ")}/>`,
  "1,000,000 elements (10 MB)": (root, ns) => `<${root} xmlns="${ns}">${"<t/>".repeat(1_000_000)}</${root}>`,
  "20,000 elements just under the byte cap": (root, ns) => `<${root} xmlns="${ns}">${"<t/>".repeat(19_999)}</${root}>`,
  "10 MB of text": (root, ns) => `<${root} xmlns="${ns}">${"lorem ipsum ".repeat(Math.ceil((10 * MB) / 12))}</${root}>`,
  "10 MB of character references": (root, ns) => `<${root} xmlns="${ns}">${"&#x41;".repeat(Math.ceil((10 * MB) / 6))}</${root}>`,
  "character references just under the byte cap": (root, ns) => `<${root} xmlns="${ns}"><note>${"&#x1F600;".repeat(7000)}</note></${root}>`,
  "10 MB comment": (root, ns) => `<${root} xmlns="${ns}"><!--${"-x".repeat(5 * MB)}--></${root}>`,
  "10 MB CDATA": (root, ns) => `<${root} xmlns="${ns}"><![CDATA[${"]".repeat(10 * MB)}]]></${root}>`,
  "10 MB of whitespace before the root": (root, ns) => `${" ".repeat(10 * MB)}<${root} xmlns="${ns}"/>`,
  "unterminated 10 MB tag": (root, ns) => `<${root} xmlns="${ns}" ${"a".repeat(10 * MB)}`,
  "processing instructions (250 KB)": (root, ns) => `<${root} xmlns="${ns}">${"<?pi x?>".repeat(31_000)}</${root}>`,
};

/** Where a document goes in: a NOTIFY body by Content-Type, or a CSTA message. */
const TARGETS: Record<string, { root: string; ns: string; run: (doc: Buffer) => string }> = {
  "PIDF (NOTIFY body)": { root: "presence", ns: PIDF, run: (doc) => outcome(dispatchBody("application/pidf+xml", doc)) },
  "dialog-info (NOTIFY body)": { root: "dialog-info", ns: "urn:ietf:params:xml:ns:dialog-info", run: (doc) => outcome(dispatchBody("application/dialog-info+xml", doc)) },
  "as-feature-event (NOTIFY body)": { root: "DoNotDisturbEvent", ns: CSTA, run: (doc) => outcome(dispatchBody("application/x-as-feature-event+xml", doc)) },
  "RLMI part (list NOTIFY, 16 MiB cap)": {
    root: "list",
    ns: "urn:ietf:params:xml:ns:rlmi",
    run: (doc) => {
      const body = Buffer.concat([Buffer.from("--b\r\nContent-Type: application/rlmi+xml\r\n\r\n"), doc, Buffer.from("\r\n--b--\r\n")]);
      return outcome(dispatchBody('multipart/related;type="application/rlmi+xml";boundary=b', body, { maxBodyBytes: 16 * MB }));
    },
  },
  "CSTA message": {
    root: "DeliveredEvent",
    ns: CSTA,
    run: (doc) => {
      try {
        const m = decodeIncoming(doc);
        return `accepted ${m.type}`;
      } catch (e) {
        return `refused: ${(e as Error).message.slice(0, 100)}`;
      }
    },
  },
  "CSTA stream (NUL-terminated framing)": {
    root: "DeliveredEvent",
    ns: CSTA,
    run: (doc) => {
      const decoder = new FrameDecoder("nul-terminated");
      const frames = decoder.push(Buffer.concat([doc, Buffer.from([0])]));
      if (frames.length === 0) return `refused: frame over the limit (${decoder.discarded} discarded)`;
      try {
        return `accepted ${frames.map((f) => decodeIncoming(f.payload).type).join(", ")}`;
      } catch (e) {
        return `refused: ${(e as Error).message.slice(0, 100)}`;
      }
    },
  },
  "SIP TCP stream (NOTIFY carrying the body)": {
    root: "presence",
    ns: PIDF,
    run: (doc) => {
      const head = `NOTIFY sip:hub@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKx\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:hub@b>;tag=2\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\nContent-Type: application/pidf+xml\r\nContent-Length: ${doc.length}\r\n\r\n`;
      const events = new StreamFramer().push(Buffer.concat([Buffer.from(head), doc]));
      const broken = events.find((e) => e.kind === "broken");
      if (broken && broken.kind === "broken") return `refused: ${broken.error.reason}`;
      const message = events.find((e) => e.kind === "message");
      return message ? outcome(dispatchBody("application/pidf+xml", doc)) : "buffered";
    },
  },
};

function outcome(d: ReturnType<typeof dispatchBody>): string {
  return d.kind === "error" ? `refused: ${d.code}: ${d.detail.slice(0, 100)}` : `accepted ${d.kind}`;
}

/** One measured run, posted to the parent. */
export interface RecipeResult {
  readonly recipe: string;
  readonly bytes: number;
  readonly outcome: string;
  readonly ms: number;
  readonly heapGrowthBytes: number;
}

if (parentPort) {
  const target = TARGETS[(workerData as { target: string }).target]!;
  for (const [name, make] of Object.entries(RECIPES)) {
    parentPort.postMessage({ start: name });
    const doc = Buffer.from(make(target.root, target.ns));
    gc();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const result = target.run(doc);
    const ms = performance.now() - started;
    // Before the next GC: what the run allocated and still holds, plus garbage not yet collected (an upper bound).
    const heapGrowthBytes = process.memoryUsage().heapUsed - before;
    parentPort.postMessage({ result: { recipe: name, bytes: doc.length, outcome: result, ms, heapGrowthBytes } satisfies RecipeResult });
  }
}

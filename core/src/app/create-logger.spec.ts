import { expect } from "chai";
import { PassThrough } from "node:stream";
import { createLogger } from "./create-logger.js";

/** A destination that collects what is written; `tty` makes it look like a terminal. */
function sink(tty = false): { stream: NodeJS.WritableStream; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d: Buffer) => (text += d.toString()));
  if (tty) Object.assign(stream, { isTTY: true });
  return { stream, text: () => text };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("createLogger", () => {
  it("writes JSON lines and redacts secret keys wherever they sit", async () => {
    const out = sink();
    const log = createLogger({ level: "info" }, out.stream);
    log.info({ password: "p4ss", connector: { token: "t0k3n", nested: { secret: "s3cr3t" } } }, "hello");
    await settle();
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).to.include({ msg: "hello", password: "[redacted]", level: 30 });
    expect(out.text()).to.not.match(/p4ss|t0k3n|s3cr3t/);
  });

  it("gives components, plugins and connectors their own levels", async () => {
    const out = sink();
    const root = createLogger({ level: "warn", components: { http: "debug", "sip-simple": "info", quiet: "error" } }, out.stream);
    root.info("root info: dropped");
    root.child({ component: "http" }).debug("http debug: kept");
    root.child({ component: "hub" }).info("hub info: dropped");
    const connector = root.child({ component: "hub" }).child({ plugin: "sip-simple", connector: "pbx" });
    connector.info("connector info: kept");
    connector.child({ sub: 1 }).info("grandchild info: kept");
    root.child({ plugin: "sip-simple", connector: "quiet" }).warn("connector warn under error: dropped");
    await settle();
    const messages = out.text().trim().split("\n").map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).to.deep.equal(["http debug: kept", "connector info: kept", "grandchild info: kept"]);
  });

  it("pretty-prints for a terminal (format auto) and keeps JSON otherwise", async () => {
    const tty = sink(true);
    createLogger({ level: "info", format: "auto" }, tty.stream).info({ password: "p4ss", user: "alice" }, "readable line");
    const pipe = sink(false);
    createLogger({ level: "info", format: "auto" }, pipe.stream).info("json line");
    await settle();
    expect(tty.text()).to.include("readable line").and.include("INFO").and.not.include('"msg"');
    expect(tty.text()).to.include("[redacted]").and.not.include("p4ss");
    expect(() => JSON.parse(pipe.text().trim())).to.not.throw();
  });
});

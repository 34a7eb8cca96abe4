import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { createLogger } from "../app/create-logger.js";
import { TEST_PG_URL } from "../testing/start-test-hub.js";
import { PgChannel } from "./pg-channel.js";

describe("PgChannel (real PostgreSQL)", () => {
  it("sends a burst of overlapping messages one query at a time, in order, without pg's overlap warning", async () => {
    const tag = randomBytes(4).toString("hex");
    const received: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const channel = new PgChannel(TEST_PG_URL, (p) => p.startsWith(tag) && received.push(p), () => {}, createLogger("silent"));
    try {
      await channel.open();
      // Not awaited one by one: the cluster node fires sends as events happen.
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => channel.send(`${tag}:${i}`)));
      expect(results.every(Boolean)).to.equal(true);
      const deadline = Date.now() + 5_000;
      while (received.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).to.deep.equal(Array.from({ length: 50 }, (_, i) => `${tag}:${i}`));
      expect(warnings.filter((w) => w.includes("already executing a query"))).to.deep.equal([]);
    } finally {
      process.off("warning", onWarning);
      await channel.close();
    }
  });

  it("refuses a payload over PostgreSQL's NOTIFY limit instead of failing the connection", async () => {
    const channel = new PgChannel(TEST_PG_URL, () => {}, () => {}, createLogger("silent"));
    try {
      await channel.open();
      expect(await channel.send("x".repeat(9000))).to.equal(false);
      expect(await channel.send("small")).to.equal(true);
    } finally {
      await channel.close();
    }
  });
});

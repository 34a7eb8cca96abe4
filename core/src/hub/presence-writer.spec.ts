import { expect } from "chai";
import { createLogger } from "../app/create-logger.js";
import type { PresenceBatch, PresenceRepository } from "../contracts/store.js";
import { ManualClock } from "../testing/manual-clock.js";
import { FieldSlot } from "./field-slot.js";
import { FLUSH_INTERVAL_MS, PresenceWriter } from "./presence-writer.js";

/** A repository whose writes finish when the test says, and fail when it says. */
class ControlledRepository implements Pick<PresenceRepository, "write"> {
  readonly batches: PresenceBatch[] = [];
  private finish: ((ok: boolean) => void) | null = null;

  write(batch: PresenceBatch): Promise<void> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => (this.finish = (ok) => (ok ? resolve() : reject(new Error("store down")))));
  }

  complete(ok = true): void {
    const f = this.finish;
    this.finish = null;
    f?.(ok);
  }
}

const settle = () => new Promise((r) => setImmediate(r));

describe("PresenceWriter.durable", () => {
  const logger = createLogger("silent");

  it("resolves only once the batch carrying the change is committed, written at once and shared by waiters (found by the robustness suite)", async () => {
    const clock = new ManualClock();
    const repo = new ControlledRepository();
    const writer = new PresenceWriter(repo as unknown as PresenceRepository, clock, logger);
    expect(await Promise.race([writer.durable().then(() => "now"), settle().then(() => "later")])).to.equal("now");

    writer.markDirty(new FieldSlot("alice", "telephony"));
    const done: string[] = [];
    void writer.durable().then(() => done.push("a"));
    void writer.durable().then(() => done.push("b"));
    await settle();
    // Written without waiting for the 50 ms tick, once for both callers, but not committed yet.
    expect(repo.batches).to.have.length(1);
    expect(done).to.deep.equal([]);
    // A caller with nothing new waits for the batch in flight.
    void writer.durable().then(() => done.push("c"));
    // A caller with a new change waits for the next batch, written after this one.
    writer.markDirty(new FieldSlot("carol", "rich"));
    void writer.durable().then(() => done.push("d"));
    await settle();
    expect(repo.batches).to.have.length(1);
    repo.complete();
    await settle();
    expect(done).to.deep.equal(["a", "b", "c"]);
    expect(repo.batches).to.have.length(2);
    repo.complete();
    await settle();
    expect(done).to.deep.equal(["a", "b", "c", "d"]);
    expect(clock.pending).to.equal(0);
  });

  it("keeps waiting through a failed batch until its retry commits", async () => {
    const clock = new ManualClock();
    const repo = new ControlledRepository();
    const writer = new PresenceWriter(repo as unknown as PresenceRepository, clock, logger);
    writer.markDirty(new FieldSlot("bob", "rich"));
    let resolved = false;
    void writer.durable().then(() => (resolved = true));
    await settle();
    repo.complete(false);
    await settle();
    expect(resolved).to.equal(false);
    // A new caller during the backoff does not hammer the failing store: it waits for the retry.
    writer.markDirty(new FieldSlot("dave", "rich"));
    void writer.durable();
    await settle();
    expect(repo.batches).to.have.length(1);
    clock.advance(FLUSH_INTERVAL_MS * 2);
    await settle();
    expect(repo.batches).to.have.length(2);
    repo.complete();
    await settle();
    expect(resolved).to.equal(true);
  });
});

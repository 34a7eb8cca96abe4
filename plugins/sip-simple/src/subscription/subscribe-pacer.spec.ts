import { expect } from "chai";
import { ManualClock } from "@presence-hub/core/testing";

import { SubscribePacer } from "./subscribe-pacer.js";

/** A pacer on a manual clock and the times (ms since start) at which each request went out. */
function setup(rate: number, burst: number) {
  const clock = new ManualClock();
  const start = clock.now();
  const pacer = new SubscribePacer(clock, rate, burst);
  const sent: { id: number; at: number }[] = [];
  const enqueue = (id: number) => pacer.acquire(() => sent.push({ id, at: clock.now() - start }));
  return { clock, pacer, sent, enqueue };
}

describe("SubscribePacer", () => {
  it("lets a burst through at once, then paces at the rate", () => {
    const { clock, pacer, sent, enqueue } = setup(10, 3);
    for (let i = 0; i < 8; i++) enqueue(i);
    expect(sent.map((s) => s.at)).to.deep.equal([0, 0, 0]);
    expect(pacer.waiting).to.equal(5);
    clock.advance(1_000);
    expect(sent.map((s) => s.at)).to.deep.equal([0, 0, 0, 100, 200, 300, 400, 500]);
    expect(pacer.waiting).to.equal(0);
    expect(clock.pending).to.equal(0);
  });

  it("keeps the order in which requests were queued", () => {
    const { clock, sent, enqueue } = setup(5, 2);
    for (let i = 0; i < 12; i++) enqueue(i);
    clock.advance(10_000);
    expect(sent.map((s) => s.id)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("never exceeds the rate over any window once the burst is spent", () => {
    const { clock, sent, enqueue } = setup(20, 20);
    for (let i = 0; i < 200; i++) enqueue(i);
    clock.advance(20_000);
    expect(sent).to.have.length(200);
    const times = sent.map((s) => s.at);
    // In any 1 s window at most burst + rate requests leave (token bucket bound).
    for (const t of times) expect(times.filter((x) => x >= t && x < t + 1_000).length).to.be.at.most(40);
    expect(times[199]).to.be.within(8_900, 9_100); // 180 paced requests at 20/s
  });

  it("refills while idle, up to the burst and no more", () => {
    const { clock, sent, enqueue } = setup(2, 4);
    for (let i = 0; i < 4; i++) enqueue(i);
    clock.advance(60_000); // a long pause: the bucket holds 4 again, not 120
    for (let i = 4; i < 10; i++) enqueue(i);
    expect(sent.map((s) => s.at)).to.deep.equal([0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000]);
    clock.advance(1_000);
    expect(sent.map((s) => s.at).slice(8)).to.deep.equal([60_500, 61_000]);
  });

  it("paces slow rates below one per second", () => {
    const { clock, sent, enqueue } = setup(0.5, 1);
    for (let i = 0; i < 3; i++) enqueue(i);
    clock.advance(5_000);
    expect(sent.map((s) => s.at)).to.deep.equal([0, 2_000, 4_000]);
  });

  it("cancel takes a waiting request out of the queue; the others keep their order", () => {
    const { clock, pacer, sent, enqueue } = setup(10, 1);
    enqueue(0);
    enqueue(1);
    const cancel = enqueue(2);
    enqueue(3);
    cancel();
    expect(pacer.waiting).to.equal(2);
    clock.advance(1_000);
    expect(sent.map((s) => s.id)).to.deep.equal([0, 1, 3]);
    expect(sent.map((s) => s.at)).to.deep.equal([0, 100, 200]);
  });

  it("puts a `first` request ahead of the waiting ones, at the next token", () => {
    const { clock, pacer, sent, enqueue } = setup(10, 1);
    const start = clock.now();
    for (let i = 0; i < 3; i++) enqueue(i);
    pacer.acquire(() => sent.push({ id: 99, at: clock.now() - start }), { first: true });
    clock.advance(1_000);
    expect(sent.map((s) => s.id)).to.deep.equal([0, 99, 1, 2]);
    expect(sent.map((s) => s.at)).to.deep.equal([0, 100, 200, 300]);
  });

  it("cancel after the request went out does nothing", () => {
    const { clock, sent, enqueue } = setup(10, 1);
    const cancel = enqueue(0);
    enqueue(1);
    cancel();
    clock.advance(1_000);
    expect(sent.map((s) => s.id)).to.deep.equal([0, 1]);
  });

  it("clear forgets every waiting request and its timer", () => {
    const { clock, pacer, sent, enqueue } = setup(10, 1);
    for (let i = 0; i < 5; i++) enqueue(i);
    pacer.clear();
    expect(pacer.waiting).to.equal(0);
    expect(clock.pending).to.equal(0);
    clock.advance(5_000);
    expect(sent.map((s) => s.id)).to.deep.equal([0]);
  });

  it("keeps pacing at its rate after the wall clock steps back an hour (found by the robustness suite)", () => {
    const { clock, sent, enqueue } = setup(10, 1);
    enqueue(0);
    clock.stepWallClock(-3_600_000);
    for (let i = 1; i <= 3; i++) enqueue(i);
    clock.advance(400);
    expect(sent.map((s) => s.id)).to.deep.equal([0, 1, 2, 3]);
  });
});

import { expect } from "chai";

import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("doubles from the base up to the cap, each delay within [delay/2, delay]", () => {
    const low = new Backoff(5_000, 600_000, () => 0);
    const high = new Backoff(5_000, 600_000, () => 1 - Number.EPSILON);
    const lows = Array.from({ length: 10 }, () => low.next());
    const highs = Array.from({ length: 10 }, () => high.next());
    expect(lows).to.deep.equal([2_500, 5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(highs).to.deep.equal([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000]);
  });

  it("spreads delays over the whole jitter range", () => {
    const seen: number[] = [];
    for (let i = 0; i < 2_000; i++) seen.push(new Backoff(1_000, 60_000).next());
    expect(Math.min(...seen)).to.be.at.least(500).and.below(550);
    expect(Math.max(...seen)).to.be.at.most(1_000).and.above(950);
    const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
    expect(mean).to.be.within(720, 780);
  });

  it("stays within its bounds after very many failures", () => {
    const b = new Backoff(5_000, 600_000);
    for (let i = 0; i < 1_000; i++) {
      const d = b.next();
      expect(d).to.be.at.least(Math.min(2_500 * 2 ** i, 300_000)).and.at.most(600_000);
      expect(Number.isFinite(d)).to.equal(true);
    }
  });

  it("starts from the base again after reset, and counts failures", () => {
    const b = new Backoff(1_000, 60_000, () => 1 - Number.EPSILON);
    b.next();
    b.next();
    b.next();
    expect(b.count).to.equal(3);
    b.reset();
    expect(b.count).to.equal(0);
    expect(b.next()).to.equal(1_000);
  });

  it("defaults to 5 s doubling up to 600 s", () => {
    const b = new Backoff(undefined, undefined, () => 0.5);
    expect(b.next()).to.equal(3_750);
    for (let i = 0; i < 20; i++) b.next();
    expect(b.next()).to.equal(450_000);
  });
});

import { expect } from "chai";
import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("doubles from the base up to the maximum, each delay jittered within [d/2, d], and resets", () => {
    const low = new Backoff(1000, 8000, () => 0);
    expect([1, 2, 3, 4, 5].map(() => low.next())).to.deep.equal([500, 1000, 2000, 4000, 4000]);
    const high = new Backoff(1000, 8000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).to.deep.equal([1000, 2000, 4000, 8000, 8000]);
    high.reset();
    expect(high.next()).to.equal(1000);
  });
});

import { expect } from "chai";
import { systemClock } from "./clock.js";

describe("systemClock", () => {
  it("waits out delays beyond Node's 24.8-day timer limit instead of firing at once (found by the robustness suite)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      let fired = 0;
      const thirtyDays = 30 * 24 * 3600 * 1000;
      const long = systemClock.setTimeout(() => fired++, thirtyDays);
      const longer = systemClock.setTimeout(() => fired++, 2 ** 33);
      await new Promise((r) => setTimeout(r, 50));
      expect(fired).to.equal(0);
      systemClock.clearTimeout(long);
      systemClock.clearTimeout(longer);
      await new Promise((r) => setImmediate(r));
      expect(warnings).to.not.include("TimeoutOverflowWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("still fires ordinary timers, and cancels them", async () => {
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push("a"), 5);
    const b = systemClock.setTimeout(() => fired.push("b"), 5);
    systemClock.clearTimeout(b);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).to.deep.equal(["a"]);
  });
});

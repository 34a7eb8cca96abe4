import { expect } from "chai";
import { ManualClock } from "./manual-clock.js";

describe("ManualClock", () => {
  it("fires due timers in time order, including ones set by callbacks, and no others", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b@20"), 20);
    clock.setTimeout(() => {
      fired.push("a@10");
      clock.setTimeout(() => fired.push("c@15"), 5);
    }, 10);
    const late = clock.setTimeout(() => fired.push("late"), 100);
    clock.advance(50);
    expect(fired).to.deep.equal(["a@10", "c@15", "b@20"]);
    expect(clock.now()).to.equal(50);
    clock.clearTimeout(late);
    clock.advance(100);
    expect(fired).to.have.length(3);
    expect(clock.pending).to.equal(0);
  });
});

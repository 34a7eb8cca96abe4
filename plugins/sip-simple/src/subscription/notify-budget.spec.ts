import { expect } from "chai";
import { ManualClock } from "@presence-hub/core/testing";
import { NotifyBudget } from "./notify-budget.js";

describe("NotifyBudget", () => {
  it("applies a burst at once, then coalesces: the last NOTIFY over budget wins, applied when a token is free", () => {
    const clock = new ManualClock();
    const applied: number[] = [];
    const budget = new NotifyBudget<number>(clock, 10, 3, (n) => applied.push(n));
    for (let i = 1; i <= 10; i++) budget.offer(i);
    expect(applied).to.deep.equal([1, 2, 3]);
    expect(budget.coalesced).to.equal(6); // 4…9 replaced, 10 kept
    clock.advance(100);
    expect(applied).to.deep.equal([1, 2, 3, 10]);
    clock.advance(1000);
    expect(applied).to.deep.equal([1, 2, 3, 10]);
    expect(clock.pending).to.equal(0);
  });

  it("flush applies what it kept at once (a terminated NOTIFY is coming); clear forgets it", () => {
    const clock = new ManualClock();
    const applied: string[] = [];
    const budget = new NotifyBudget<string>(clock, 1, 1, (s) => applied.push(s));
    budget.offer("a");
    budget.offer("b");
    budget.flush();
    expect(applied).to.deep.equal(["a", "b"]);
    budget.offer("c");
    budget.clear();
    clock.advance(5000);
    expect(applied).to.deep.equal(["a", "b"]);
    expect(clock.pending).to.equal(0);
  });

  it("a wall clock stepped back an hour does not stall the user's updates", () => {
    const clock = new ManualClock();
    const applied: number[] = [];
    const budget = new NotifyBudget<number>(clock, 10, 2, (n) => applied.push(n));
    budget.offer(1);
    clock.stepWallClock(-3_600_000);
    budget.offer(2);
    budget.offer(3);
    clock.advance(200);
    expect(applied).to.deep.equal([1, 2, 3]);
  });
});

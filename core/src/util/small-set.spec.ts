import { expect } from "chai";
import { SmallSet } from "./small-set.js";

describe("SmallSet", () => {
  it("behaves like a Set through zero, one and many members, in insertion order", () => {
    const s = new SmallSet<string>();
    expect(s.size).to.equal(0);
    expect([...s]).to.deep.equal([]);
    expect(s.has("a")).to.equal(false);
    expect(s.delete("a")).to.equal(false);
    s.add("a").add("a");
    expect(s.size).to.equal(1);
    expect(s.has("a")).to.equal(true);
    expect([...s]).to.deep.equal(["a"]);
    s.add("b").add("c").add("b");
    expect(s.size).to.equal(3);
    expect([...s]).to.deep.equal(["a", "b", "c"]);
    expect(s.delete("a")).to.equal(true);
    expect(s.delete("a")).to.equal(false);
    expect([...s.values()]).to.deep.equal(["b", "c"]);
    s.clear();
    expect(s.size).to.equal(0);
    expect([...s]).to.deep.equal([]);
    s.add("d");
    expect(s.delete("d")).to.equal(true);
    expect(s.size).to.equal(0);
  });

  it("holds undefined as a member", () => {
    const s = new SmallSet<string | undefined>();
    s.add(undefined);
    expect(s.size).to.equal(1);
    expect(s.has(undefined)).to.equal(true);
    expect([...s]).to.deep.equal([undefined]);
  });
});

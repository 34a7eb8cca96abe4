import { expect } from "chai";
import { SmallMap } from "./small-map.js";

describe("SmallMap", () => {
  it("behaves like a Map through zero, one and many entries, in insertion order", () => {
    const m = new SmallMap<string, number>();
    expect(m.size).to.equal(0);
    expect(m.get("a")).to.equal(undefined);
    expect(m.has("a")).to.equal(false);
    expect(m.delete("a")).to.equal(false);
    expect([...m]).to.deep.equal([]);
    m.set("a", 1).set("a", 2);
    expect(m.size).to.equal(1);
    expect(m.get("a")).to.equal(2);
    expect(m.get("b")).to.equal(undefined);
    expect([...m.keys()]).to.deep.equal(["a"]);
    expect([...m.values()]).to.deep.equal([2]);
    m.set("b", 3).set("c", 4).set("a", 5);
    expect(m.size).to.equal(3);
    expect([...m]).to.deep.equal([
      ["a", 5],
      ["b", 3],
      ["c", 4],
    ]);
    expect(m.delete("b")).to.equal(true);
    expect([...m.entries()]).to.deep.equal([
      ["a", 5],
      ["c", 4],
    ]);
    const seen: string[] = [];
    m.forEach((v, k, map) => {
      expect(map).to.equal(m);
      seen.push(`${k}=${v}`);
    });
    expect(seen).to.deep.equal(["a=5", "c=4"]);
    m.clear();
    expect(m.size).to.equal(0);
    m.set("d", 6);
    expect(m.delete("d")).to.equal(true);
    expect(m.size).to.equal(0);
    expect([...m]).to.deep.equal([]);
  });

  it("keeps an undefined value as an entry", () => {
    const m = new SmallMap<string, number | undefined>();
    m.set("a", undefined);
    expect(m.has("a")).to.equal(true);
    expect(m.size).to.equal(1);
    expect([...m]).to.deep.equal([["a", undefined]]);
  });
});

import { expect } from "chai";
import type { RankedSource, SettingsService } from "@presence-hub/core";
import { fallbackOrderRule, preferredServerRule } from "./server-priority-rules.js";

function settings(values: Record<string, unknown>): SettingsService {
  return { get: (k: string) => values[k] ?? null } as unknown as SettingsService;
}
const src = (id: string, position: number): RankedSource => ({ id, type: "sip-simple", sourceClass: "presence-server", position });
const a = src("a", 0);
const b = src("b", 1);
const c = src("c", 2);

describe("server-priority rules", () => {
  it("preferred-server: the preferred source first, no opinion about the rest", () => {
    const rule = preferredServerRule(settings({ "presence.preferredServer": "b" }));
    expect(rule.compare(b, a, "rich")).to.be.below(0);
    expect(rule.compare(a, b, "rich")).to.be.above(0);
    expect(rule.compare(a, c, "rich")).to.equal(0);
  });

  it("preferred-server: a per-field choice overrides the general one for that field only", () => {
    const rule = preferredServerRule(settings({ "presence.preferredServer": "b", "presence.preferredTelephonyServer": "c" }));
    expect(rule.compare(c, b, "telephony")).to.be.below(0);
    expect(rule.compare(b, c, "rich")).to.be.below(0);
  });

  it("preferred-server: no preference, no opinion", () => {
    expect(preferredServerRule(settings({})).compare(a, b, "rich")).to.equal(0);
  });

  it("fallback-order: listed sources in list order, before unlisted ones", () => {
    const rule = fallbackOrderRule(settings({ "presence.fallbackOrder": ["c", "a"] }));
    expect([a, b, c].sort((x, y) => rule.compare(x, y, "rich") || x.position - y.position).map((s) => s.id)).to.deep.equal(["c", "a", "b"]);
    expect(fallbackOrderRule(settings({ "presence.fallbackOrder": [] })).compare(a, b, "rich")).to.equal(0);
  });
});

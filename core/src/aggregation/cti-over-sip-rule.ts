import type { SourceClass } from "../contracts/connector.js";
import type { SourceRankingRule } from "./rules.js";

const rank: Readonly<Record<SourceClass, number>> = { cti: 0, "presence-server": 1, other: 2 };

/** DESIGN §2: a CTI link beats SIP presence servers when both report; other sources come last. */
export const ctiOverSipRule: SourceRankingRule = {
  id: "cti-over-sip",
  compare: (a, b) => rank[a.sourceClass] - rank[b.sourceClass],
};

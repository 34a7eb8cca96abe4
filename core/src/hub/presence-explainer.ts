import type { Observation } from "../model/observation.js";
import type { PresenceField } from "../model/presence-status.js";
import type { RichState, TelephonyState } from "../model/presence-state.js";
import type { Hub } from "./hub.js";

/** One source in the ranking, with what it currently says. */
export interface ExplainedSource {
  readonly source: string;
  readonly type: string;
  readonly sourceClass: string;
  /** 0 = best-ranked. */
  readonly rank: number;
  /** The rule that puts this source above the next one in the ranking (absent for the last). */
  readonly rankedAboveNextBy?: string;
  /** What the source last said, and when; null when it said nothing. */
  readonly report: Observation["report"] | null;
  readonly at: number | null;
  /** It has a real state (not an error, not `requesting`). */
  readonly usable: boolean;
  readonly chosen: boolean;
}

export interface FieldExplanation {
  readonly state: TelephonyState | RichState;
  readonly sources: readonly ExplainedSource[];
  /** The deciding rule (as in the state's provenance) and, for telephony, the derivation. */
  readonly rule: string;
  readonly derivation: string | null;
  /** One sentence an admin can read. */
  readonly summary: string;
}

export interface PresenceExplanation {
  readonly username: string;
  readonly telephony: FieldExplanation;
  readonly rich: FieldExplanation;
}

const RULE_WORDS: Readonly<Record<string, string>> = {
  "cti-over-sip": "a CTI link beats presence servers",
  "preferred-server": "it is the preferred server",
  "fallback-order": "it comes first in the fallback order",
  "configured-order": "it comes first in the configured connector order",
  "only-source": "it is the only source with a state",
  fallback: "better-ranked sources have nothing usable",
  "top-source": "no source has a state; the best-ranked one's answer is shown",
  "user-not-configured": "the user lacks the key for this kind of presence",
  "no-demand": "nobody watches this user",
  "no-server": "no connector serves this kind of presence",
  "awaiting-sources": "requests are out, no answer yet",
};

const DERIVATION_WORDS: Readonly<Record<string, string>> = {
  "dnd-over-forward": "do-not-disturb beats the forward",
  "forward-over-line": "the forward beats the line state",
  "forward-voicemail-pilot": "the forward goes to the voicemail pilot",
  "forward-own-voicemail": "the forward goes to the user's own voicemail",
};

/**
 * Explains a user's shown presence (`GET /api/v1/users/{username}/presence/explain`): every
 * source serving each field in rank order with what it says and since when, the rule that chose
 * the winner, and how the status was derived.
 */
export function explainPresence(hub: Hub, username: string): PresenceExplanation | null {
  const presence = hub.presence(username);
  if (!presence) return null;
  return { username, telephony: explainField(hub, username, "telephony", presence.telephony), rich: explainField(hub, username, "rich", presence.rich) };
}

function explainField(hub: Hub, username: string, field: PresenceField, state: TelephonyState | RichState): FieldExplanation {
  const reports = new Map(hub.sourceReports(username, field).map((o) => [o.source, o]));
  const ranking = hub.ranking(field);
  const sources: ExplainedSource[] = ranking.map((s, i) => {
    const o = reports.get(s.id);
    const next = ranking[i + 1];
    return {
      source: s.id,
      type: s.type,
      sourceClass: s.sourceClass,
      rank: i,
      ...(next ? { rankedAboveNextBy: hub.decidingRule(s, next, field) } : {}),
      report: o?.report ?? null,
      at: o?.at ?? null,
      usable: o?.report.kind === "state",
      chosen: state.provenance.source === s.id,
    };
  });
  const { source, rule, derivation } = state.provenance;
  const why = RULE_WORDS[rule] ?? rule;
  const how = derivation ? `; ${DERIVATION_WORDS[derivation] ?? derivation}` : "";
  const summary = source === "hub" ? `${state.status}: ${why}` : `${state.status} from ${source}: ${why}${how}`;
  return { state, sources, rule, derivation: derivation ?? null, summary };
}

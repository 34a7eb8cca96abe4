import type { PresenceField } from "../model/presence-status.js";
import type { RichFacts, RichReport, TelephonyFacts, TelephonyReport } from "../model/observation.js";
import type { Provenance, RichState, TelephonyState } from "../model/presence-state.js";
import type { User } from "../model/user.js";
import type { ForwardClassifier, RankedSource, SourceRankingRule } from "./rules.js";
import type { ServiceFallback, SourceEntry } from "./source-entry.js";

/** Reports per source id for one user's field. */
export type SourceReports<R extends TelephonyReport | RichReport> = ReadonlyMap<string, SourceEntry<R>>;

/** Name of the implicit last tie-breaker: the configured connector order. */
export const CONFIGURED_ORDER_RULE = "configured-order";

/**
 * Turns what the sources said into the shown state, by explicit rules (DESIGN §2):
 *
 * 1. **Source selection.** Sources are ranked by the source-ranking rules in their configured
 *    order (CTI over SIP, preferred server, fallback order…). The highest-ranked source with a
 *    real state wins. Without one, the highest-ranked source that reported anything (an error,
 *    or `requesting`) decides; without any report, the hub's service status applies.
 * 2. **Derivation (telephony).** `dnd` beats forwarding; forwarding beats the line state; a
 *    forward is classified by the forward classifiers (voicemail pilot…), else
 *    `forwarded-number`.
 *
 * The ranking is computed once per connector/settings change; `telephony()` and `rich()` are
 * on the hot path and return the previous state object when nothing shown changed.
 */
export class Aggregator {
  private readonly ranked = new Map<PresenceField, readonly RankedSource[]>();

  constructor(
    private readonly rankingRules: readonly SourceRankingRule[],
    private readonly forwardClassifiers: readonly ForwardClassifier[],
  ) {}

  /** Sets the sources serving each field; call whenever connectors or settings change. */
  setSources(field: PresenceField, sources: readonly RankedSource[]): void {
    this.ranked.set(field, [...sources].sort((a, b) => this.compare(a, b, field)));
  }

  /** Sources serving a field, best first. */
  ranking(field: PresenceField): readonly RankedSource[] {
    return this.ranked.get(field) ?? [];
  }

  /** Whether any source serves the field at all (else: `server-not-configured`). */
  hasSources(field: PresenceField): boolean {
    return this.ranking(field).length > 0;
  }

  telephony(user: User, reports: SourceReports<TelephonyReport>, fallback: ServiceFallback, previous: TelephonyState | null, now: number): TelephonyState {
    const pick = this.select("telephony", reports);
    if (!pick) return serviceState("telephony", fallback, previous, now) as TelephonyState;
    const { entry, rule } = pick;
    const report = entry.report;
    if (report.kind !== "state") return unresolved("telephony", entry, rule, previous, now) as TelephonyState;
    const { status, derivation } = this.derive(report, user);
    const forwardTo = (status === "forwarded-number" || status === "forwarded-voicemail") ? report.forwardTo : undefined;
    if (previous && derivedFrom(previous) === entry && previous.status === status && previous.provenance.rule === rule && previous.provenance.derivation === derivation) {
      return previous;
    }
    const since = previous && previous.status === status ? previous.since : (report.detail?.since ?? entry.at);
    return markDerivedFrom(
      {
        status,
        detail: forwardTo === undefined ? { ...report.detail } : { ...report.detail, forwardTo },
        since,
        provenance: derivation ? { source: entry.source, rule, derivation, at: entry.at } : { source: entry.source, rule, at: entry.at },
      },
      entry,
    );
  }

  rich(reports: SourceReports<RichReport>, fallback: ServiceFallback, previous: RichState | null, now: number): RichState {
    const pick = this.select("rich", reports);
    if (!pick) return serviceState("rich", fallback, previous, now) as RichState;
    const { entry, rule } = pick;
    const report = entry.report;
    if (report.kind !== "state") return unresolved("rich", entry, rule, previous, now) as RichState;
    const facts: RichFacts = report;
    const message = facts.message ?? null;
    if (previous && derivedFrom(previous) === entry && previous.provenance.rule === rule) return previous;
    const since = previous && previous.status === facts.status ? previous.since : entry.at;
    return markDerivedFrom({ status: facts.status, message, since, provenance: { source: entry.source, rule, at: entry.at } }, entry);
  }

  /** The rule that puts `a` above `b` (first with an opinion), for provenance and explanations. */
  decidingRule(a: RankedSource, b: RankedSource, field: PresenceField): string {
    for (const rule of this.rankingRules) if (rule.compare(a, b, field) !== 0) return rule.id;
    return CONFIGURED_ORDER_RULE;
  }

  private compare(a: RankedSource, b: RankedSource, field: PresenceField): number {
    for (const rule of this.rankingRules) {
      const c = rule.compare(a, b, field);
      if (c !== 0) return c;
    }
    return a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  private select<R extends TelephonyReport | RichReport>(field: PresenceField, reports: SourceReports<R>): { entry: SourceEntry<R>; rule: string } | null {
    if (reports.size === 0) return null;
    const ranked = this.ranking(field);
    let firstReported = -1;
    for (let i = 0; i < ranked.length; i++) {
      const entry = reports.get(ranked[i]!.id);
      if (!entry) continue;
      if (firstReported < 0) firstReported = i;
      if (entry.report.kind !== "state") continue;
      // The winner: name the rule that put it above the next source with a real state, or
      // say it is a fallback for better-ranked sources that had nothing usable.
      for (let j = i + 1; j < ranked.length; j++) {
        const other = reports.get(ranked[j]!.id);
        if (other && other.report.kind === "state") return { entry, rule: this.decidingRule(ranked[i]!, ranked[j]!, field) };
      }
      return { entry, rule: i > 0 ? "fallback" : "only-source" };
    }
    if (firstReported < 0) return null;
    return { entry: reports.get(ranked[firstReported]!.id)!, rule: "top-source" };
  }

  private derive(facts: TelephonyFacts, user: User): { status: TelephonyState["status"]; derivation: string | undefined } {
    if (facts.dnd) return { status: "dnd", derivation: facts.forwardTo ? "dnd-over-forward" : undefined };
    if (facts.forwardTo) {
      for (const c of this.forwardClassifiers) {
        const result = c.classify(facts.forwardTo, user);
        if (result) return { status: result.status, derivation: result.rule };
      }
      return { status: "forwarded-number", derivation: "forward-over-line" };
    }
    return { status: facts.line, derivation: undefined };
  }
}

/**
 * The observation a state was computed from, kept on the state object under a symbol (invisible
 * to JSON). "Same observation and same rule" means "same state" without comparing details, and
 * a new observation (even in the same millisecond, even with only a detail changed) always
 * yields a new state.
 */
const DERIVED_FROM: unique symbol = Symbol("derivedFrom");

function derivedFrom(state: object): unknown {
  return (state as { [DERIVED_FROM]?: unknown })[DERIVED_FROM];
}

function markDerivedFrom<T extends object>(state: T, entry: SourceEntry): T {
  Object.defineProperty(state, DERIVED_FROM, { value: entry, enumerable: false });
  return state;
}

/** The winning source has no real state: show its error or `requesting`. */
function unresolved(field: PresenceField, entry: SourceEntry, rule: string, previous: TelephonyState | RichState | null, now: number): TelephonyState | RichState {
  const report = entry.report;
  const status = report.kind === "error" ? report.status : "requesting";
  const reason = report.kind === "error" ? report.reason : "waiting for the first answer";
  if (previous && derivedFrom(previous) === entry && previous.provenance.rule === rule) return previous;
  const since = previous && previous.status === status ? previous.since : entry.at || now;
  return markDerivedFrom(reasonState(field, status, reason, since, { source: entry.source, rule, at: entry.at }), entry);
}

function serviceState(field: PresenceField, fallback: ServiceFallback, previous: TelephonyState | RichState | null, now: number): TelephonyState | RichState {
  if (previous && previous.status === fallback.status && previous.provenance.source === "hub" && previous.provenance.rule === fallback.rule) return previous;
  const since = previous && previous.status === fallback.status ? previous.since : now;
  return reasonState(field, fallback.status, fallback.reason, since, { source: "hub", rule: fallback.rule, at: now });
}

/** An error or service state: no facts, a reason. */
function reasonState(field: PresenceField, status: TelephonyState["status"] & RichState["status"], reason: string, since: number, provenance: Provenance): TelephonyState | RichState {
  return field === "telephony" ? { status, detail: { reason }, since, provenance } : { status, message: null, reason, since, provenance };
}

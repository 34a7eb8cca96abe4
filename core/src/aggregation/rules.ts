import type { SourceClass } from "../contracts/connector.js";
import type { User } from "../model/user.js";
import type { PresenceField, TelephonyStandardStatus } from "../model/presence-status.js";

/** A source as the ranking rules see it: one configured connector. */
export interface RankedSource {
  readonly id: string;
  readonly type: string;
  readonly sourceClass: SourceClass;
  /** Position in the configured connector order (0 first). */
  readonly position: number;
}

/**
 * Extension point: orders sources for one field. The aggregator sorts sources with the enabled
 * rules in their configured order (`presence.rankingRules`), the first rule with an opinion
 * deciding; the highest-ranked source with a real state wins, the others are fallbacks.
 *
 * Rules are pure and cheap: the ranking is recomputed only when connectors or settings change,
 * never per observation.
 */
export interface SourceRankingRule {
  /** Kebab-case id, shown in provenance (`rule`) and used in `presence.rankingRules`. */
  readonly id: string;
  /** Negative if `a` ranks above `b`, positive if below, 0 for no opinion. */
  compare(a: RankedSource, b: RankedSource, field: PresenceField): number;
}

/** What a forward classifier decided, with the rule name shown as provenance `derivation`. */
export interface ForwardClassification {
  readonly status: Extract<TelephonyStandardStatus, "forwarded-voicemail" | "forwarded-number">;
  readonly rule: string;
}

/**
 * Extension point: classifies a forward target (voicemail pilot, the user's own voicemail…).
 * Classifiers are asked in plugin order; the first non-null answer counts; without one the
 * forward is `forwarded-number`.
 */
export interface ForwardClassifier {
  readonly id: string;
  classify(target: string, user: User): ForwardClassification | null;
}

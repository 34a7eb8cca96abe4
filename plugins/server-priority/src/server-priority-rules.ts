import type { PresenceField, RankedSource, SettingsService, SourceRankingRule } from "@presence-hub/core";

/** Setting keys this plugin adds (besides the core's `presence.preferredServer`). */
export const PREFERRED_TELEPHONY = "presence.preferredTelephonyServer";
export const PREFERRED_RICH = "presence.preferredRichServer";
export const FALLBACK_ORDER = "presence.fallbackOrder";

/** The preferred connector for a field: the field's own choice, else the general one. */
export function preferredFor(settings: SettingsService, field: PresenceField): string | null {
  const specific = settings.get<string | null>(field === "telephony" ? PREFERRED_TELEPHONY : PREFERRED_RICH);
  return specific ?? settings.get<string | null>("presence.preferredServer");
}

/**
 * `preferred-server`: the preferred presence server's answer wins over the others'. Only
 * meaningful among sources of one class: the core's `cti-over-sip` decides first by default.
 */
export function preferredServerRule(settings: SettingsService): SourceRankingRule {
  return {
    id: "preferred-server",
    compare(a: RankedSource, b: RankedSource, field: PresenceField): number {
      const preferred = preferredFor(settings, field);
      if (!preferred) return 0;
      return (a.id === preferred ? -1 : 0) - (b.id === preferred ? -1 : 0);
    },
  };
}

/**
 * `fallback-order`: after the preferred server, sources listed in `presence.fallbackOrder`
 * come in that order, before unlisted ones; unlisted ones keep the configured connector order.
 */
export function fallbackOrderRule(settings: SettingsService): SourceRankingRule {
  return {
    id: "fallback-order",
    compare(a: RankedSource, b: RankedSource): number {
      const order = settings.get<string[]>(FALLBACK_ORDER);
      if (order.length === 0) return 0;
      const ia = order.indexOf(a.id);
      const ib = order.indexOf(b.id);
      if (ia < 0 && ib < 0) return 0;
      if (ia < 0) return 1;
      if (ib < 0) return -1;
      return ia - ib;
    },
  };
}

/** Drops a removed connector from the per-field preferences and the fallback order. */
export async function forgetConnector(settings: SettingsService, id: string): Promise<void> {
  for (const key of [PREFERRED_TELEPHONY, PREFERRED_RICH]) if (settings.get<string | null>(key) === id) await settings.set(key, null);
  const order = settings.get<string[]>(FALLBACK_ORDER);
  if (order.includes(id)) await settings.set(FALLBACK_ORDER, order.filter((c) => c !== id));
}

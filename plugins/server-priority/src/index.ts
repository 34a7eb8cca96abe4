import { definePlugin, Tokens, Type } from "@presence-hub/core";
import { FALLBACK_ORDER, PREFERRED_RICH, PREFERRED_TELEPHONY, fallbackOrderRule, forgetConnector, preferredServerRule } from "./server-priority-rules.js";

/**
 * Several non-federated presence servers at once: the preferred server decides conflicts (per
 * field if wanted), then an ordered fallback list. Changing either applies at once: the hub
 * re-ranks and re-evaluates every user when a setting changes.
 */
export default definePlugin({
  id: "server-priority",
  apiVersion: 1,
  register(plugin) {
    const settings = plugin.container.resolve(Tokens.Settings);
    const connectorId = Type.Union([Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,39}$" }), Type.Null()]);
    plugin.setting(PREFERRED_TELEPHONY, connectorId, null, "Preferred server for telephony presence only (overrides presence.preferredServer).");
    plugin.setting(PREFERRED_RICH, connectorId, null, "Preferred server for rich presence only (overrides presence.preferredServer).");
    plugin.setting(FALLBACK_ORDER, Type.Array(Type.String()), [], "Connector ids in the order they stand in when the preferred server has nothing.");
    plugin.rankingRule(preferredServerRule(settings));
    plugin.rankingRule(fallbackOrderRule(settings));
    // A removed connector leaves no dangling preference or fallback entry behind.
    const hub = plugin.container.resolve(Tokens.Hub);
    plugin.notifier({
      name: "server-priority-cleanup",
      deliver(envelope) {
        const e = envelope.event;
        if (e.type !== "connector-config" || envelope.remote) return;
        if (hub.connectorInfos().some((c) => c.id === e.id)) return;
        void forgetConnector(settings, e.id).catch((err: unknown) => plugin.logger.warn({ err, connector: e.id }, "could not drop a removed connector from the preferences"));
      },
    });
  },
});

import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import type { Hub } from "../hub/hub.js";
import { explainPresence } from "../hub/presence-explainer.js";
import type { SettingsService } from "../hub/settings-service.js";

/**
 * Core routes about aggregation: the explanation of a user's presence (operators, admins) and
 * the live settings that drive the rules (read: operators; change: admins; applied at once).
 */
export function registerPresenceRoutes(server: Server, hub: Hub, settings: SettingsService): void {
  server.route({
    method: "GET",
    path: "/api/v1/users/{username}/presence/explain",
    options: { description: "Every source's observation for the user, the rule that chose the winner, and when each changed." },
    handler: (request) => {
      const explanation = explainPresence(hub, String(request.params.username));
      if (!explanation) throw Boom.notFound(`user "${request.params.username}" not found`);
      return explanation;
    },
  });
  server.route({
    method: "GET",
    path: "/api/v1/settings",
    options: { description: "Live system settings with their values and descriptions." },
    handler: () => ({ settings: settings.describe() }),
  });
  server.route({
    method: "PUT",
    path: "/api/v1/settings/{key}",
    options: {
      auth: { access: { scope: ["admin"] } },
      description: "Change a setting ({ value }); validated, stored, applied at once.",
      payload: { allow: "application/json", maxBytes: 64 * 1024 },
    },
    handler: async (request) => {
      const body = request.payload as { value?: unknown } | null;
      if (!body || typeof body !== "object" || !("value" in body)) throw Boom.badRequest('send {"value": …}');
      await settings.set(String(request.params.key), body.value);
      return { key: request.params.key, value: settings.get(String(request.params.key)) };
    },
  });
}

import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { CONNECTOR_STATUS_ADVICE, routeValidator, Type, type Hub } from "@presence-hub/core";

const SubscribeRequest = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const SubscribeResponse = Type.Object({ username: Type.String(), until: Type.Integer({ description: "Epoch ms when the test subscription ends by itself." }) });
const TraceQuery = Type.Object({ username: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }, { additionalProperties: false });

/**
 * Diagnostics: the connectors with status and what to do about it; the per-user test
 * subscription (watched for one minute); the connector's message trace (admins).
 */
export function registerDiagnosticsRoutes(server: Server, hub: Hub): void {
  server.route({
    method: "GET",
    path: "/api/v1/connectors",
    options: { description: "Connectors with status (exact strings), detail and advice; secrets only as set/unset." },
    handler: () => ({
      connectors: hub.connectorInfos().map((c) => ({ ...c, advice: CONNECTOR_STATUS_ADVICE[c.health.status] })),
    }),
  });
  server.route({
    method: "POST",
    path: "/api/v1/diagnostics/subscriptions",
    options: {
      description: "Subscribe a user for one minute (the diagnostics test subscription).",
      validate: { payload: routeValidator(SubscribeRequest, "invalid request") },
      plugins: { openapi: { body: SubscribeRequest, response: SubscribeResponse } },
    },
    handler: (request) => {
      const { username } = request.payload as { username: string };
      if (!hub.user(username)) throw Boom.notFound(`user "${username}" not found`);
      return { username, until: hub.requestDiagnostics(username).until };
    },
  });
  server.route({
    method: "GET",
    path: "/api/v1/connectors/{id}/trace",
    options: {
      auth: { access: { scope: ["admin"] } },
      description: "The connector's recent protocol messages (optionally one user's), credentials redacted.",
      validate: { query: routeValidator(TraceQuery, "invalid query", { coerceTypes: true }) },
      plugins: { openapi: { query: TraceQuery } },
    },
    handler: (request) => {
      const q = request.query as unknown as { username?: string; limit: number };
      return { messages: hub.connectorTrace(String(request.params.id), q) };
    },
  });
}

import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { CONNECTOR_STATUS_ADVICE, routeValidator, Type, type Hub, type Logger } from "@presence-hub/core";
import { actor, ADMIN_ONLY } from "./principal.js";

const ConnectorParams = Type.Object(
  { id: Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,39}$", "x-hint": "a short id (lower-case letters, digits, -)" }) },
  { additionalProperties: false },
);

/** Body of `PUT /api/v1/connectors/{id}`. Secrets may come in `settings` or `secrets`; one left out keeps its value. */
export const ConnectorBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 60, description: "A registered connector type (GET /api/v1/connector-types)." }),
    enabled: Type.Boolean({ default: true }),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000, description: "Configured order (fallback order between servers); default: after the others." })),
    settings: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "The type's settings (validated against its schema)." }),
    secrets: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1000 }), { description: "Secret settings to set; an empty string clears one." })),
  },
  { additionalProperties: false },
);

const ConnectorType = Type.Object({
  type: Type.String(),
  description: Type.String(),
  plugin: Type.String({ description: "The plugin offering it." }),
  fields: Type.Union([Type.Array(Type.String()), Type.Null()], { description: "Presence fields served, or null when they depend on the settings." }),
  sourceClass: Type.Union([Type.String(), Type.Null()], { description: "cti, presence-server or other; null when it depends on the settings." }),
  settingsSchema: Type.Unknown({ description: "JSON Schema of the settings (drives the admin form)." }),
  secretSettings: Type.Array(Type.String(), { description: "Settings that are secrets: write-only, never returned." }),
});

/**
 * Connector administration: the registered types with their settings schema (the admin form is
 * rendered from it), add or replace a connector (`PUT /api/v1/connectors/{id}`, applied at once:
 * the old instance stops, the new one starts, watches move over) and delete one. Responses
 * never carry secrets: only whether each is set.
 */
export function registerConnectorAdminRoutes(server: Server, hub: Hub, audit: Logger): void {
  server.route({
    method: "GET",
    path: "/api/v1/connector-types",
    options: {
      auth: ADMIN_ONLY,
      description: "Connector types: description, fields, settings JSON schema, secret setting names.",
      plugins: { openapi: { response: Type.Object({ types: Type.Array(ConnectorType) }) } },
    },
    handler: () => ({
      types: hub.connectorTypes().map((r) => {
        const d = r.definition;
        return {
          type: d.type,
          description: d.description,
          plugin: r.pluginId,
          fields: typeof d.fields === "function" ? null : [...d.fields],
          sourceClass: typeof d.sourceClass === "function" ? null : d.sourceClass,
          settingsSchema: JSON.parse(JSON.stringify(d.settingsSchema)) as unknown,
          secretSettings: [...r.secretSettings],
        };
      }),
    }),
  });
  server.route({
    method: "PUT",
    path: "/api/v1/connectors/{id}",
    options: {
      auth: ADMIN_ONLY,
      description: "Add or replace a connector; validated against its type's schema (400 names each field) and applied at once, no restart.",
      payload: { allow: "application/json", maxBytes: 256 * 1024 },
      validate: { params: routeValidator(ConnectorParams, "invalid path"), payload: routeValidator(ConnectorBody, "invalid connector") },
      plugins: { openapi: { body: ConnectorBody } },
    },
    handler: async (request, h) => {
      const { id } = request.params as { id: string };
      const body = request.payload as { type: string; enabled: boolean; position?: number; settings: Record<string, unknown>; secrets?: Record<string, string> };
      const all = hub.connectorInfos();
      const existing = all.find((c) => c.id === id);
      const position = body.position ?? existing?.position ?? all.reduce((max, c) => Math.max(max, c.position + 1), 0);
      const info = await hub.saveConnector({ id, type: body.type, enabled: body.enabled, position, settings: body.settings, ...(body.secrets ? { secrets: body.secrets } : {}) });
      // Setting names only: values may be secrets (the password may come in `settings`).
      audit.info({ by: actor(request), connector: id, type: body.type, enabled: body.enabled, settings: Object.keys(body.settings), secretsChanged: Object.keys(body.secrets ?? {}) }, existing ? "connector replaced" : "connector added");
      return h.response({ ...info, advice: CONNECTOR_STATUS_ADVICE[info.health.status] }).code(existing ? 200 : 201);
    },
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/connectors/{id}",
    options: {
      auth: ADMIN_ONLY,
      description: "Delete a connector: it stops, its users fall back to the other sources.",
      validate: { params: routeValidator(ConnectorParams, "invalid path") },
    },
    handler: async (request, h) => {
      const { id } = request.params as { id: string };
      if (!(await hub.removeConnector(id))) throw Boom.notFound(`connector "${id}" not found`);
      audit.info({ by: actor(request), connector: id }, "connector deleted");
      return h.response().code(204);
    },
  });
}

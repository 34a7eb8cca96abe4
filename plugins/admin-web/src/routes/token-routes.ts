import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { routeValidator, Type, type AccountService, type Clock, type Logger, type Store } from "@presence-hub/core";
import { actor, ADMIN_ONLY } from "./principal.js";

const Role = Type.Union([Type.Literal("admin"), Type.Literal("operator")]);
export const NewToken = Type.Object(
  {
    role: Role,
    label: Type.String({ maxLength: 100, pattern: "^[^\\u0000-\\u001f\\u007f]*$", default: "", description: "What the token is for (shown in lists)." }),
  },
  { additionalProperties: false },
);
const TokenInfo = Type.Object({ id: Type.String(), role: Role, label: Type.String(), createdAt: Type.Integer() });
const TokenParams = Type.Object({ id: Type.String({ pattern: "^[0-9a-f]{1,64}$", "x-hint": "a token id" }) }, { additionalProperties: false });

/**
 * API tokens (stored as hashes): list, create (the only response that ever carries the token),
 * revoke.
 */
export function registerTokenRoutes(server: Server, accounts: AccountService, store: Store, clock: Clock, audit: Logger): void {
  server.route({
    method: "GET",
    path: "/api/v1/tokens",
    options: { auth: ADMIN_ONLY, description: "API tokens (ids, roles, labels; never the tokens).", plugins: { openapi: { response: Type.Object({ tokens: Type.Array(TokenInfo) }) } } },
    handler: async () => ({ tokens: (await store.tokens.list()).sort((a, b) => b.createdAt - a.createdAt) }),
  });
  server.route({
    method: "POST",
    path: "/api/v1/tokens",
    options: {
      auth: ADMIN_ONLY,
      description: "Create a token; the answer shows it once (it is stored hashed).",
      payload: { allow: "application/json", maxBytes: 4096 },
      validate: { payload: routeValidator(NewToken, "invalid token request") },
      plugins: { openapi: { body: NewToken, response: Type.Object({ token: Type.String(), info: TokenInfo }) } },
    },
    handler: async (request, h) => {
      const body = request.payload as { role: "admin" | "operator"; label: string };
      const created = await accounts.createToken(body.role, body.label, clock.now());
      audit.info({ by: actor(request), tokenId: created.info.id, role: body.role }, "API token created");
      return h.response(created).code(201).header("cache-control", "no-store");
    },
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/tokens/{id}",
    options: { auth: ADMIN_ONLY, description: "Revoke a token.", validate: { params: routeValidator(TokenParams, "invalid path") } },
    handler: async (request, h) => {
      const { id } = request.params as { id: string };
      if (!(await store.tokens.revoke(id))) throw Boom.notFound(`token "${id}" not found`);
      audit.info({ by: actor(request), tokenId: id }, "API token revoked");
      return h.response().code(204);
    },
  });
}

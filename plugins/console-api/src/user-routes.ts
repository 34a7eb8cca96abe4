import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { routeValidator, Type, type Hub } from "@presence-hub/core";
import { matchesText, representUser, statusFilter, UserQuery, UserRepresentation, type Viewer } from "./user-view.js";

export const UserList = Type.Object({ total: Type.Integer(), users: Type.Array(UserRepresentation) });

/** `GET /api/v1/users` (search, filters, paging) and `GET /api/v1/users/{username}`. */
export function registerUserRoutes(server: Server, hub: Hub): void {
  server.route({
    method: "GET",
    path: "/api/v1/users",
    options: {
      description: "Users with their telephony and rich presence; search and filter.",
      validate: { query: routeValidator(UserQuery, "invalid query", { coerceTypes: true }) },
      plugins: { openapi: { query: UserQuery, response: UserList } },
    },
    handler: (request) => {
      const query = request.query as unknown as UserQuery;
      const viewer = viewerOf(request.auth.credentials);
      const tel = statusFilter(query.telephony);
      const rich = statusFilter(query.rich);
      const matching = hub
        .users()
        .filter((u) => matchesText(u, query.q))
        .map((u) => representUser(hub, u, viewer))
        .filter((r) => (!tel || tel(r.telephony.status)) && (!rich || rich(r.rich.status)));
      const key = query.order;
      matching.sort((a, b) => a[key].localeCompare(b[key]) || a.username.localeCompare(b.username));
      return { total: matching.length, users: matching.slice(query.offset, query.offset + query.limit) };
    },
  });
  server.route({
    method: "GET",
    path: "/api/v1/users/{username}",
    options: { description: "One user with presence and note.", plugins: { openapi: { response: UserRepresentation } } },
    handler: (request) => {
      const user = hub.user(String(request.params.username));
      if (!user) throw Boom.notFound(`user "${request.params.username}" not found`);
      return representUser(hub, user, viewerOf(request.auth.credentials));
    },
  });
}

/** The viewer of an authenticated request. */
export function viewerOf(credentials: unknown): Viewer {
  const role = (credentials as { principal?: { role?: string } } | null)?.principal?.role;
  return { role: role === "admin" ? "admin" : "operator" };
}

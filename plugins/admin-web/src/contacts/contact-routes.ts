import type { Request, Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { routeValidator, Type, USERNAME_PATTERN, type Hub } from "@presence-hub/core";
import { principalOf } from "../routes/principal.js";
import type { ContactLists } from "./contact-lists.js";

const UserParams = Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN.source }) }, { additionalProperties: false });
const ContactList = Type.Object({ contacts: Type.Array(Type.String(), { description: "Usernames, in the order they were added." }) });

/**
 * The signed-in account's personal contact list (`/api/v1/me/contacts`), for the attendant
 * console: read it, add a user, remove one. Operators and admins, each their own list. Lists
 * belong to accounts — people at a console — so an API token gets a 403 here.
 */
export function registerContactRoutes(server: Server, hub: Hub, lists: ContactLists): void {
  const owner = (request: Request): string => {
    const p = principalOf(request);
    if (p.kind !== "account") throw Boom.forbidden("contact lists belong to accounts: sign in with one (API tokens have none)");
    return p.name;
  };
  // Users deleted since they were added are gone from the hub already; never show them.
  const existing = (names: string[]) => ({ contacts: names.filter((u) => hub.user(u)) });
  server.route({
    method: "GET",
    path: "/api/v1/me/contacts",
    options: { description: "Your personal contact list (attendant console).", plugins: { openapi: { response: ContactList } } },
    handler: async (request) => existing(await lists.list(owner(request))),
  });
  server.route({
    method: "PUT",
    path: "/api/v1/me/contacts/{username}",
    options: {
      description: "Add a user to your contact list (at the end; already there: unchanged). 404 for an unknown user.",
      validate: { params: routeValidator(UserParams, "invalid path") },
      plugins: { openapi: { response: ContactList } },
    },
    handler: async (request) => {
      const me = owner(request);
      const { username } = request.params as { username: string };
      if (!hub.user(username)) throw Boom.notFound(`user "${username}" not found`);
      return existing(await lists.add(me, username));
    },
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/me/contacts/{username}",
    options: {
      description: "Remove a user from your contact list (not there: unchanged).",
      validate: { params: routeValidator(UserParams, "invalid path") },
      plugins: { openapi: { response: ContactList } },
    },
    handler: async (request) => {
      const me = owner(request);
      const { username } = request.params as { username: string };
      return existing(await lists.remove(me, username));
    },
  });
}

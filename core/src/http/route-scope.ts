import Boom from "@hapi/boom";
import type { Request } from "@hapi/hapi";
import type { Principal } from "../security/account-service.js";

/** Scopes a principal gets: admins can do what operators can. */
export function scopesOf(principal: Principal): string[] {
  return principal.role === "admin" ? ["admin", "operator"] : ["operator"];
}

/**
 * Refuses (403) a principal whose scopes the route does not accept, at authentication time.
 * hapi checks scopes only after reading and parsing the payload, so an operator token could
 * make the hub read 10 MiB into an admin-only CSV import (or get a 415 that tells the route's
 * content type) before the 403. Same answer as hapi's own check, just before the body is read.
 */
export function refuseOutOfScope(request: Request, scopes: readonly string[]): void {
  const access = (request.route.settings.auth as { access?: readonly { scope?: { selection?: readonly string[] } | false }[] } | false | undefined) || undefined;
  for (const rule of access?.access ?? []) {
    const selection = rule.scope ? rule.scope.selection : undefined;
    if (selection && selection.length > 0 && !selection.some((s) => scopes.includes(s))) throw Boom.forbidden("Insufficient scope");
  }
}

import type { Request } from "@hapi/hapi";
import type { Principal } from "@presence-hub/core";

/** The authenticated caller of a request (routes here require authentication). */
export function principalOf(request: Request): Principal {
  return (request.auth.credentials as unknown as { principal: Principal }).principal;
}

/** Route auth for admin-only routes: Bearer token or session (with CSRF on changes), scope admin. */
export const ADMIN_ONLY = { access: { scope: ["admin"] } };

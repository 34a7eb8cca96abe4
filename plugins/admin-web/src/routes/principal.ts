import type { Request } from "@hapi/hapi";
import type { Principal } from "@presence-hub/core";

/** The authenticated caller of a request (routes here require authentication). */
export function principalOf(request: Request): Principal {
  return (request.auth.credentials as unknown as { principal: Principal }).principal;
}

/** Who did it, for the audit lines admin changes leave in the log (never a value that could be secret). */
export function actor(request: Request): string {
  const p = principalOf(request);
  return `${p.kind}:${p.name}`;
}

/** Route auth for admin-only routes: Bearer token or session (with CSRF on changes), scope admin. */
export const ADMIN_ONLY = { access: { scope: ["admin"] } };

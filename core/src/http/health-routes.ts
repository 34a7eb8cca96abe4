import type { Server } from "@hapi/hapi";
import type { Readiness } from "../app/readiness.js";
import type { ServiceRegistry } from "../hub/service-registry.js";

/**
 * `GET /api/v1/health`: liveness, no authentication, no details beyond states.
 * `GET /api/v1/ready`: readiness for load balancers and orchestrators, no authentication;
 * 200 when ready, 503 (same body) when not. Neither names hosts, users or secrets.
 */
export function registerHealthRoutes(server: Server, services: ServiceRegistry, version: string, readiness: () => Promise<Readiness>): void {
  server.route({
    method: "GET",
    path: "/api/v1/health",
    options: { auth: false, description: "Liveness: the process answers; the hub service state." },
    handler: () => ({ status: "ok", version, hub: services.has("hub") ? services.get("hub").state : "stopped" }),
  });
  server.route({
    method: "GET",
    path: "/api/v1/ready",
    options: { auth: false, description: "Readiness: store reachable, migrations current, hub running (200, else 503); connectors summarised." },
    handler: async (_request, h) => {
      const r = await readiness();
      return h.response({ status: r.ready ? "ready" : "not-ready", ...r }).code(r.ready ? 200 : 503).header("cache-control", "no-store");
    },
  });
}

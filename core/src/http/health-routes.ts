import type { Server } from "@hapi/hapi";
import type { ServiceRegistry } from "../hub/service-registry.js";

/** `GET /api/v1/health`: liveness, no authentication, no details beyond states. */
export function registerHealthRoutes(server: Server, services: ServiceRegistry, version: string): void {
  server.route({
    method: "GET",
    path: "/api/v1/health",
    options: { auth: false, description: "Liveness: the process answers; the hub service state." },
    handler: () => ({ status: "ok", version, hub: services.has("hub") ? services.get("hub").state : "stopped" }),
  });
}

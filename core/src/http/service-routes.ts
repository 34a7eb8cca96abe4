import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import type { ServiceRegistry } from "../hub/service-registry.js";

/**
 * Manage Services over HTTP: `GET /api/v1/services` (operators and admins) and
 * `POST /api/v1/services/{id}/{start|stop|restart}` (admins). Ids are `hub`, `connector:<id>`,
 * `plugin:<id>[/<name>]`; the answer is the service's state after the action.
 */
export function registerServiceRoutes(server: Server, services: ServiceRegistry): void {
  server.route({
    method: "GET",
    path: "/api/v1/services",
    options: { description: "Every service with its state and last error." },
    handler: () => ({ services: services.list() }),
  });
  server.route({
    method: "POST",
    path: "/api/v1/services/{id}/{action}",
    options: { auth: { access: { scope: ["admin"] } }, description: "Start, stop or restart a service." },
    handler: async (request) => {
      const { id, action } = request.params as { id: string; action: string };
      if (!services.has(id)) throw Boom.notFound(`service "${id}" not found`);
      switch (action) {
        case "start":
          return services.start(id);
        case "stop":
          return services.stop(id);
        case "restart":
          return services.restart(id);
        default:
          throw Boom.badRequest(`unknown action "${action}": use start, stop or restart`);
      }
    },
  });
}

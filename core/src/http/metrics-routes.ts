import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import type { AddressAllowlist } from "../util/address-allowlist.js";
import type { PrometheusMetrics } from "../metrics/prometheus-metrics.js";

/** Where Prometheus scrapes (its default path). */
export const METRICS_PATH = "/metrics";

/**
 * `GET /metrics`: every metric as Prometheus text. Needs a token (any role; or a session) like
 * the API, except from the addresses in `metrics.allowFrom`, which may scrape anonymously — a
 * Prometheus server on a trusted network without a token to manage. A wrong token from an
 * allowed address is still served: the address is what is trusted.
 */
export function registerMetricsRoute(server: Server, metrics: PrometheusMetrics, anonymous: AddressAllowlist): void {
  server.route({
    method: "GET",
    path: METRICS_PATH,
    options: {
      auth: { mode: "try", strategies: ["token", "session"] },
      description: "Prometheus metrics (text format 0.0.4); token, session, or an address in metrics.allowFrom.",
    },
    handler: async (request, h) => {
      if (!request.auth.isAuthenticated && !anonymous.allows(request.info.remoteAddress)) {
        throw Boom.unauthorized("send a Bearer token, or scrape from an address in metrics.allowFrom", "Bearer");
      }
      return h.response(await metrics.render()).type(metrics.contentType).header("cache-control", "no-store");
    },
  });
}

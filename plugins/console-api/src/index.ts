import { definePlugin, Tokens, Type } from "@presence-hub/core";
import { registerDiagnosticsRoutes } from "./diagnostics-routes.js";
import { DEFAULT_STREAM_OPTIONS, StreamHub } from "./stream/stream-hub.js";
import { streamMetrics } from "./stream/stream-metrics.js";
import { registerUserRoutes } from "./user-routes.js";

const ConsoleApiConfig = Type.Object(
  {
    /** Coalescing window of the stream, ms: a burst of changes costs one frame per console per window. */
    flushMs: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_STREAM_OPTIONS.flushMs }),
    /** Changes kept for consoles that reconnect with `?since=`. */
    changeLogSize: Type.Integer({ minimum: 100, maximum: 10_000_000, default: DEFAULT_STREAM_OPTIONS.changeLogSize }),
  },
  { additionalProperties: false },
);

/**
 * The console API: users with presence (`/api/v1/users`), diagnostics (connectors, test
 * subscriptions, traces) and the live stream (`/api/v1/stream`) for attendant consoles.
 */
export default definePlugin({
  id: "console-api",
  apiVersion: 1,
  configSchema: ConsoleApiConfig,
  register(plugin) {
    const c = plugin.container;
    const hub = c.resolve(Tokens.Hub);
    const metrics = streamMetrics(c.resolve(Tokens.Metrics));
    const stream = new StreamHub(
      hub,
      c.resolve(Tokens.EventBus),
      c.resolve(Tokens.UpgradeAuthenticator),
      c.resolve(Tokens.Clock),
      plugin.logger,
      { ...DEFAULT_STREAM_OPTIONS, flushMs: plugin.config.flushMs, changeLogSize: plugin.config.changeLogSize },
      metrics.observeLag,
    );
    metrics.attach(stream);
    plugin.notifier(stream);
    plugin.http((server) => {
      registerUserRoutes(server, hub);
      registerDiagnosticsRoutes(server, hub);
      stream.attach(server.listener);
      server.route({
        method: "GET",
        path: "/api/v1/stream",
        options: { description: "WebSocket stream of user presence (see the plugin README): watch, snapshot, coalesced deltas with seq; resume with ?since=SEQ. Plain GET answers 426." },
        handler: (_request, h) => h.response({ statusCode: 426, error: "Upgrade Required", message: "connect with a WebSocket" }).code(426).header("upgrade", "websocket"),
      });
    });
    plugin.service({ name: "stream", start: async () => stream.start(), stop: () => stream.close() });
  },
});
export { StreamHub, STREAM_PATH } from "./stream/stream-hub.js";
export { UserRepresentation } from "./user-view.js";

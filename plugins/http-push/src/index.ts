import { definePlugin } from "@presence-hub/core";
import { HttpPushConnector } from "./http-push-connector.js";
import { PushSettings } from "./push-settings.js";

/**
 * `http-push`: presence pushed over HTTP by another system (a PBX webhook, a script, a
 * calendar bridge). Also the example integrators copy: see docs/plugin-guide.md.
 */
export default definePlugin({
  id: "http-push",
  apiVersion: 1,
  register(plugin) {
    plugin.connectorType({
      type: "http-push",
      description: "Presence pushed over HTTP (JSON) by another system",
      fields: (s: PushSettings) => s.fields,
      sourceClass: (s: PushSettings) => s.sourceClass,
      settingsSchema: PushSettings,
      secretSettings: ["token"],
      incomplete: (s: PushSettings) => (!s.listen ? "no listen address (listen: host:port)" : !s.token ? "no token set" : null),
      implementation: HttpPushConnector,
    });
  },
});
export { HttpPushConnector } from "./http-push-connector.js";
export { PushSettings } from "./push-settings.js";

import { definePlugin } from "@presence-hub/core";
import { TapiConnector } from "./tapi-connector.js";
import { TapiSettings, tapiIncomplete } from "./tapi-settings.js";

/**
 * `tapi`: the CTI link of the reference product, for Linux: line state, do-not-disturb and
 * forwarding of each watched user's first extension over CSTA Phase III XML (ECMA-323) on TCP.
 * Its reports rank above SIP presence servers (source class `cti`). The CTI server simulator is
 * exported separately as `@presence-hub/plugin-tapi/simulator`.
 */
export default definePlugin({
  id: "tapi",
  apiVersion: 1,
  register(plugin) {
    plugin.connectorType({
      type: "tapi",
      description: "CTI link (TAPI role): line state, DND and forwarding over CSTA XML (ECMA-323) on TCP",
      fields: ["telephony"],
      sourceClass: "cti",
      settingsSchema: TapiSettings,
      secretSettings: ["password"],
      incomplete: (s: TapiSettings) => tapiIncomplete(s),
      implementation: TapiConnector,
    });
  },
});

export { TapiConnector } from "./tapi-connector.js";
export { TapiSettings, tapiIncomplete } from "./tapi-settings.js";
export type { CtiLink, CtiLinkDelegate, MonitorHandle } from "./link/cti-link.js";
export type { CallEvent, ConnectionState, DeviceEvent, DndEvent, ForwardingEvent, ForwardSetting, ServiceEvent, SnapshotCall, SnapshotPart } from "./link/device-event.js";
export { DeviceRequestError, LinkOpenError, type DeviceRequestFailure, type LinkFailureKind } from "./link/link-errors.js";
export { LineTracker } from "./line/line-tracker.js";

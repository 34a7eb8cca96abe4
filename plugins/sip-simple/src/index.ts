import { definePlugin } from "@presence-hub/core";
import { SipConnector } from "./sip-connector.js";
import { SipSettings, sipIncomplete } from "./sip-settings.js";

/**
 * `sip-simple`: telephony and rich presence from PBXs and presence servers over SIP SIMPLE
 * (SUBSCRIBE/NOTIFY, PIDF/RPID, dialog-info, resource lists) on UDP, TCP or TLS. One connector
 * per non-federated server.
 */
export default definePlugin({
  id: "sip-simple",
  apiVersion: 1,
  register(plugin) {
    plugin.connectorType({
      type: "sip-simple",
      description: "SIP SIMPLE presence from a PBX or presence server",
      fields: ["telephony", "rich"],
      sourceClass: "presence-server",
      settingsSchema: SipSettings,
      secretSettings: ["password"],
      incomplete: sipIncomplete,
      // A resource list serves many users with one subscription: in a cluster, one node runs it all.
      ownership: (s: SipSettings) => (s.resourceListUri || s.telephonyListUri ? "connector" : "target"),
      implementation: SipConnector,
    });
  },
});
export { SipConnector } from "./sip-connector.js";
export { SipSettings } from "./sip-settings.js";

import { definePlugin, Tokens } from "@presence-hub/core";
import { voicemailClassifier } from "./voicemail-classifier.js";

/**
 * Voicemail-pilot detection: classifies forward targets against the system pilot
 * (`telephony.voicemailPilot`) and each user's voicemail number. Changing either re-evaluates
 * affected users at once (the reference product needs a restart; we do not).
 */
export default definePlugin({
  id: "voicemail",
  apiVersion: 1,
  register(plugin) {
    plugin.forwardClassifier(voicemailClassifier(plugin.container.resolve(Tokens.Settings)));
  },
});
export { normalizeNumber } from "./normalize-number.js";

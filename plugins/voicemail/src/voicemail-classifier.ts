import type { ForwardClassifier, SettingsService, User } from "@presence-hub/core";
import { normalizeNumber } from "./normalize-number.js";

/**
 * A forward to the system voicemail pilot or to the user's own voicemail number is
 * `forwarded-voicemail`; anything else is left to the default (`forwarded-number`). The pilot
 * is read from settings at each decision, so a change applies at once.
 */
export function voicemailClassifier(settings: SettingsService): ForwardClassifier {
  return {
    id: "voicemail",
    classify(target: string, user: User) {
      const dialled = normalizeNumber(target);
      if (!dialled) return null;
      const pilot = settings.get<string | null>("telephony.voicemailPilot");
      if (pilot && normalizeNumber(pilot) === dialled) return { status: "forwarded-voicemail", rule: "forward-voicemail-pilot" };
      if (user.voicemailNumber && normalizeNumber(user.voicemailNumber) === dialled) return { status: "forwarded-voicemail", rule: "forward-own-voicemail" };
      return null;
    },
  };
}

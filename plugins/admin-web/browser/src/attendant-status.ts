import { formatTime } from "./dom.js";
import type { IconName } from "./icons.js";
import { presenceLabel, STATUS_GROUPS } from "./labels.js";
import type { UserView } from "./types.js";

/**
 * The console's colour families, as switchboards have taught people to read them: available
 * green; ringing and busy red (ringing flashes); do-not-disturb red with a no-entry sign; away
 * amber; offline grey; forwarded blue (with the target); errors and service states neutral,
 * with the reason on hover. Never the only cue: the icon and the word are always shown.
 */
export type Tone = "available" | "ringing" | "busy" | "dnd" | "away" | "offline" | "forwarded" | "neutral";

/** How one status looks: colour family, icon, words, and the hover text. */
export interface StatusLook {
  readonly tone: Tone;
  readonly icon: IconName;
  readonly label: string;
  readonly title: string;
}

const ERRORS: ReadonlySet<string> = new Set(STATUS_GROUPS.telephony.error);

/** Telephony statuses → tone and icon (standard ones; the rest are neutral). */
const TELEPHONY: Readonly<Record<string, readonly [Tone, IconName]>> = {
  available: ["available", "available"],
  ringing: ["ringing", "ringing"],
  busy: ["busy", "busy"],
  dnd: ["dnd", "dnd"],
  offline: ["offline", "offline"],
  "forwarded-voicemail": ["forwarded", "forwarded"],
  "forwarded-number": ["forwarded", "forwarded"],
};

/** Rich statuses → tone and icon. */
const RICH: Readonly<Record<string, readonly [Tone, IconName]>> = {
  available: ["available", "available"],
  away: ["away", "away"],
  busy: ["busy", "busy"],
  dnd: ["dnd", "dnd"],
  offline: ["offline", "offline"],
};

function neutral(status: string): readonly [Tone, IconName] {
  return ["neutral", ERRORS.has(status) ? "problem" : "waiting"];
}

function describe(status: string, reason: string | null | undefined, source: string, since: number): string {
  const from = source === "hub" ? "the hub" : source;
  return [presenceLabel(status), reason ? `— ${reason}` : null, `(since ${formatTime(since)}, from ${from})`].filter(Boolean).join(" ");
}

/** The look of a user's telephony presence. */
export function telephonyLook(t: UserView["telephony"]): StatusLook {
  const [tone, iconName] = TELEPHONY[t.status] ?? neutral(t.status);
  const reason = typeof t.detail.reason === "string" ? t.detail.reason : null;
  return { tone, icon: iconName, label: presenceLabel(t.status), title: describe(t.status, reason, t.source, t.since) };
}

/** The look of a user's rich presence. */
export function richLook(r: UserView["rich"]): StatusLook {
  const [tone, iconName] = RICH[r.status] ?? neutral(r.status);
  return { tone, icon: iconName, label: presenceLabel(r.status), title: describe(r.status, r.reason, r.source, r.since) };
}

/** Statuses whose duration matters to whoever transfers a call: a timer runs beside them. */
export function showsTimer(status: string): boolean {
  return status === "ringing" || status === "busy";
}

/** The forward target of a forwarded user, or null. */
export function forwardTarget(t: UserView["telephony"]): string | null {
  return (t.status === "forwarded-voicemail" || t.status === "forwarded-number") && typeof t.detail.forwardTo === "string" ? t.detail.forwardTo : null;
}

/** Who the call is with, and which way (`← +49 30 1234` inbound, `→ 2002` outbound), or null. */
export function callParty(t: UserView["telephony"]): string | null {
  if (!showsTimer(t.status) || typeof t.detail.remoteParty !== "string" || !t.detail.remoteParty) return null;
  const arrow = t.detail.direction === "outbound" ? "→" : t.detail.direction === "inbound" ? "←" : "";
  return `${arrow ? `${arrow} ` : ""}${t.detail.remoteParty.replace(/^sips?:/, "").replace(/@.*$/, "")}`;
}

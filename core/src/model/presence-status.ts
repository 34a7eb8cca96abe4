/**
 * The exact status strings of the public contract (DESIGN §2). They appear verbatim in the
 * API, the store, filters and the UI, so they are data, not display text.
 */

/** Telephony statuses a source can establish (the "standard" group). */
export const TELEPHONY_STANDARD = [
  "available",
  "ringing",
  "busy",
  "dnd",
  "offline",
  "forwarded-voicemail",
  "forwarded-number",
] as const;

/** Rich statuses a source can establish (the "standard" group). */
export const RICH_STANDARD = ["available", "away", "busy", "dnd", "offline"] as const;

/** Errors a source reports for one user: 403 / no access, 404, anything else (timeout, 5xx, network). */
export const ERROR_STATUSES = ["access-denied", "error", "not-found"] as const;

/** Statuses the hub itself derives from demand, configuration and the user record. */
export const SERVICE_STATUSES = ["not-requested", "requesting", "server-not-configured", "user-not-configured"] as const;

export type TelephonyStandardStatus = (typeof TELEPHONY_STANDARD)[number];
export type RichStandardStatus = (typeof RICH_STANDARD)[number];
export type ErrorStatus = (typeof ERROR_STATUSES)[number];
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export type TelephonyStatus = TelephonyStandardStatus | ErrorStatus | ServiceStatus;
export type RichStatus = RichStandardStatus | ErrorStatus | ServiceStatus;

/** The two independent presence fields of a user (DESIGN §2): keyed by first extension and by SIP URI. */
export type PresenceField = "telephony" | "rich";
export const PRESENCE_FIELDS: readonly PresenceField[] = ["telephony", "rich"];

export const TELEPHONY_STATUSES: readonly TelephonyStatus[] = [...TELEPHONY_STANDARD, ...ERROR_STATUSES, ...SERVICE_STATUSES];
export const RICH_STATUSES: readonly RichStatus[] = [...RICH_STANDARD, ...ERROR_STATUSES, ...SERVICE_STATUSES];

/** Which group a status belongs to; the diagnostics page and the filters group by it. */
export type StatusGroup = "standard" | "error" | "service";

const errorSet: ReadonlySet<string> = new Set(ERROR_STATUSES);
const serviceSet: ReadonlySet<string> = new Set(SERVICE_STATUSES);

export function statusGroup(status: TelephonyStatus | RichStatus): StatusGroup {
  if (errorSet.has(status)) return "error";
  if (serviceSet.has(status)) return "service";
  return "standard";
}

export function isTelephonyStatus(value: string): value is TelephonyStatus {
  return (TELEPHONY_STATUSES as readonly string[]).includes(value);
}

export function isRichStatus(value: string): value is RichStatus {
  return (RICH_STATUSES as readonly string[]).includes(value);
}

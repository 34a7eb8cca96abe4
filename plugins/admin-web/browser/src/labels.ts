/**
 * Wording of the reference document for the exact API strings. The API's strings stay the
 * data (filters, `data-status` attributes); these are only what a person reads.
 */

/** Connector statuses as the reference's Diagnostics page names them. */
export const CONNECTOR_STATUS_LABEL: Readonly<Record<string, string>> = {
  "server-not-configured": "Server Not configured",
  disabled: "Disabled",
  forbidden: "Forbidden",
  "connection-error": "ConnectionError",
  "up-and-running": "UpAndRunning",
  "credentials-not-found": "Credentials entered not found",
};

/** The reference's explanation of each connector status, and what to do about negative ones. */
export const CONNECTOR_STATUS_EXPLANATION: Readonly<Record<string, string>> = {
  "server-not-configured": "Service enabled but not yet configured: go to Configuration to complete the connector's settings.",
  disabled: "Service is disabled: go to Configuration to enable it.",
  forbidden: "Access denied: check the credentials entered (URI, Auth ID, password) and that the presence server accepts this hub.",
  "connection-error": "Presence server unreachable: check the server address and port, the protocol (UDP/TCP/TLS) and the network.",
  "up-and-running": "Successfully connected: the service is active, presence can be monitored.",
  "credentials-not-found":
    "Service is active, but the credentials entered were not found on the server. This need not be a problem (e.g. on a trusted trunk): presence should still be monitored.",
};

export function isNegativeConnectorStatus(status: string): boolean {
  return status !== "up-and-running" && status !== "credentials-not-found";
}

/** Presence statuses (telephony and rich) as the reference's filters name them. */
export const PRESENCE_LABEL: Readonly<Record<string, string>> = {
  available: "Available",
  ringing: "Ringing",
  busy: "Busy",
  away: "Away",
  dnd: "Do not disturb",
  offline: "Offline",
  "forwarded-voicemail": "Forwarded to voice mail",
  "forwarded-number": "Forwarded to phone number",
  "access-denied": "Access denied",
  error: "Error",
  "not-found": "Not Found",
  "not-requested": "Not requested by anyone",
  requesting: "Requesting",
  "server-not-configured": "Server not configured",
  "user-not-configured": "User not configured or not enabled for this type of presence",
};

export function presenceLabel(status: string): string {
  return PRESENCE_LABEL[status] ?? status;
}

/** Filter groups (the API accepts the group names as well as exact statuses). */
export const STATUS_GROUPS = {
  telephony: {
    standard: ["available", "ringing", "busy", "dnd", "offline", "forwarded-voicemail", "forwarded-number"],
    error: ["access-denied", "error", "not-found"],
    service: ["not-requested", "requesting", "server-not-configured", "user-not-configured"],
  },
  rich: {
    standard: ["available", "away", "busy", "dnd", "offline"],
    error: ["access-denied", "error", "not-found"],
    service: ["not-requested", "requesting", "server-not-configured", "user-not-configured"],
  },
} as const;

/** Which colour family a presence status gets (never the only cue: the text is always shown). */
export function presenceTone(status: string): "good" | "busy" | "warn" | "bad" | "neutral" {
  if (status === "available") return "good";
  if (["busy", "ringing", "dnd"].includes(status)) return "busy";
  if (["away", "forwarded-voicemail", "forwarded-number", "requesting"].includes(status)) return "warn";
  if (["access-denied", "error", "not-found"].includes(status)) return "bad";
  return "neutral";
}

/** Service states in Manage Services. */
export const SERVICE_STATE_LABEL: Readonly<Record<string, string>> = {
  stopped: "Stopped",
  starting: "Starting…",
  running: "Running",
  stopping: "Stopping…",
  failed: "Failed",
};

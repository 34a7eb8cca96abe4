/**
 * Connector health as shown in Diagnostics (DESIGN §2, exact strings).
 *
 * Negative: `server-not-configured` (enabled but incomplete settings), `disabled`,
 * `forbidden` (bad credentials / 403), `connection-error` (unreachable).
 * Positive: `up-and-running`, `credentials-not-found` (works, but the configured identity is
 * unknown to the server).
 */
export const CONNECTOR_STATUSES = [
  "server-not-configured",
  "disabled",
  "forbidden",
  "connection-error",
  "up-and-running",
  "credentials-not-found",
] as const;

export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

const positive: ReadonlySet<ConnectorStatus> = new Set(["up-and-running", "credentials-not-found"]);

export function isPositiveConnectorStatus(status: ConnectorStatus): boolean {
  return positive.has(status);
}

/** What the admin should do about each status; shown next to it in Diagnostics and the API. */
export const CONNECTOR_STATUS_ADVICE: Readonly<Record<ConnectorStatus, string>> = {
  "server-not-configured": "Service enabled but not yet configured: complete the connector's settings.",
  disabled: "Service is disabled: enable the connector in the configuration.",
  forbidden: "Access denied: check the credentials and that the server accepts this hub.",
  "connection-error": "Server unreachable: check the address, port, protocol and the network.",
  "up-and-running": "Successfully connected: presence can be monitored.",
  "credentials-not-found":
    "Connected, but the configured identity is unknown to the server; presence should still work (e.g. on a trusted trunk).",
};

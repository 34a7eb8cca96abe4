import type { PresenceHubApp } from "@presence-hub/core";

/** The token every test http-push connector uses. */
export const PUSH_TOKEN = "test-push-token-0123456789";

/** An http-push connector entry for a test config, listening on a free loopback port. */
export function pushConnector(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: "http-push", enabled: true, listen: "127.0.0.1:0", token: PUSH_TOKEN, ...extra };
}

/** The base URL of a running http-push connector, read from its health detail. */
export function pushUrl(app: PresenceHubApp, connectorId: string): string {
  const detail = app.hub.connectorInfo(connectorId).health.detail ?? "";
  const m = /listening on (.+):(\d+)$/.exec(detail);
  if (!m) throw new Error(`connector ${connectorId} is not listening (${detail})`);
  return `http://${m[1]}:${m[2]}`;
}

/** POSTs an update to a connector like an external system would; returns status and body. */
export async function push(app: PresenceHubApp, connectorId: string, body: unknown, token = PUSH_TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${pushUrl(app, connectorId)}/presence`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What the hub currently asks the connector to watch, as `field:value` strings, sorted. */
export async function watched(app: PresenceHubApp, connectorId: string): Promise<string[]> {
  const res = await fetch(`${pushUrl(app, connectorId)}/watched`, { headers: { authorization: `Bearer ${PUSH_TOKEN}` } });
  const body = (await res.json()) as { targets: { field: string; value: string }[] };
  return body.targets.map((t) => `${t.field}:${t.value}`).sort();
}

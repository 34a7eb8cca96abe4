import { StringEnum, Type, type Static } from "@presence-hub/core";
import { CSTA_FRAMINGS } from "./csta/csta-framing.js";

/**
 * Settings of one `tapi` connector: where the PBX's CTI interface is, how to talk to it, and
 * tuning with sane defaults. Everything an admin may leave empty is optional: a connector
 * without a server is `server-not-configured`, not a configuration error.
 */
export const TapiSettings = Type.Object(
  {
    /** The PBX's CSTA XML interface, `host:port` (there is no standard port: see the README). */
    server: Type.Optional(Type.String({ pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):\\d{1,5}$", "x-hint": "host:port of the CSTA XML interface, e.g. 192.0.2.20:1040" })),
    /** The CTI protocol (one link adapter per protocol; CSTA Phase III XML for now). */
    protocol: StringEnum(["csta-xml"], { default: "csta-xml" }),
    /** Message delimiting on the TCP stream (see the README). */
    framing: StringEnum(CSTA_FRAMINGS, { default: "length-header" }),
    /** ECMA-323 edition of the XML namespace requests are sent in; answers in any edition are accepted. */
    edition: Type.Integer({ minimum: 2, maximum: 6, default: 3 }),
    /** `requestedProtocolVersions` of the login; default the edition's namespace (Avaya wants e.g. `…/ed3/priv6`). */
    protocolVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Login name for an ECMA-354 application session; no session when empty. */
    user: Type.Optional(Type.String({ maxLength: 200 })),
    /** Login password (secret). */
    password: Type.Optional(Type.String({ maxLength: 200 })),
    /** How the login is written: `generic` (`<user>`/`<password>`) or `avaya` (`acx:SessionLoginInfo`). */
    loginFormat: StringEnum(["generic", "avaya"], { default: "generic" }),
    /** `applicationID` the switch shows for this client. */
    applicationId: Type.String({ minLength: 1, maxLength: 100, default: "presence-hub" }),
    /** Requested application session duration, seconds; refreshed at half of what the switch grants. */
    sessionSeconds: Type.Integer({ minimum: 10, maximum: 86400, default: 180 }),
    /** The device to monitor for a user's first extension; `{extension}` is replaced (Avaya: `{extension}:CM1::0`). */
    deviceFormat: Type.String({ pattern: "\\{extension\\}", maxLength: 200, default: "{extension}", "x-hint": "a pattern containing {extension}" }),
    /** How long to wait for the answer to a request (MonitorStart, snapshots, login, keep-alive). */
    monitorTimeoutMs: Type.Integer({ minimum: 100, maximum: 120000, default: 5000 }),
    /** Seconds between keep-alives (RequestSystemStatus); 0 turns them off. */
    keepAliveSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 30 }),
    /** First delay before reconnecting after the link is lost, ms; doubles up to `reconnectMaxMs`. */
    reconnectMinMs: Type.Integer({ minimum: 50, maximum: 600000, default: 1000 }),
    /** Longest delay between reconnection attempts, ms. */
    reconnectMaxMs: Type.Integer({ minimum: 50, maximum: 3600000, default: 30000 }),
    /** Monitors started at once after a (re)connect; the rest wait their turn. */
    parallelMonitors: Type.Integer({ minimum: 1, maximum: 1000, default: 16 }),
  },
  { additionalProperties: false },
);
/** Validated settings of one `tapi` connector (defaults filled in). */
export type TapiSettings = Static<typeof TapiSettings>;

/** Why the settings are not enough to run, or null. */
export function tapiIncomplete(s: TapiSettings): string | null {
  if (!s.server) return "no server address (server: host:port of the PBX's CSTA XML interface)";
  if (s.password && !s.user) return "a password is set but no user";
  return null;
}

/** Host and port of `server`. */
export function serverAddress(s: TapiSettings): { host: string; port: number } {
  const server = s.server!;
  const i = server.lastIndexOf(":");
  return { host: server.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(server.slice(i + 1)) };
}

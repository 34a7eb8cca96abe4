import { StringEnum, Type, type Static } from "@presence-hub/core";

/**
 * Settings of one SIP SIMPLE connector (the reference document's fields, plus tuning with sane
 * defaults). Operational fields are optional: an enabled connector without a server or URI is
 * `server-not-configured`, not a config error.
 */
export const SipSettings = Type.Object(
  {
    /** PBX or presence server, `host[:port]`; port defaults to 5060 (5061 for TLS); a name without port is looked up by DNS SRV. */
    server: Type.Optional(Type.String({ pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:\\d{1,5})?$", "x-hint": "host[:port], e.g. 192.0.2.10:5060" })),
    protocol: StringEnum(["udp", "tcp", "tls"], { default: "udp" }),
    /** The identity used for SUBSCRIBE (From), e.g. `1000@192.0.2.10` or `presence@example.com`. */
    uri: Type.Optional(Type.String({ pattern: "^(sips?:)?[^@\\s]+@[^@\\s]+$", "x-hint": "user@domain, e.g. presence@example.com" })),
    /** Digest user name; defaults to the URI's user part. */
    authId: Type.Optional(Type.String({ maxLength: 200 })),
    /** Digest password (secret). Empty on a trusted trunk. */
    password: Type.Optional(Type.String({ maxLength: 200 })),
    /** Domain of telephony targets (`<extension>@<domain>`); defaults to the URI's host. */
    domain: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9._:\\[\\]-]+$", "x-hint": "a domain or IP address" })),
    /** Optional RFC 4662 resource list for rich presence (one SUBSCRIBE for everyone in it). */
    resourceListUri: Type.Optional(Type.String({ pattern: "^sips?:[^@\\s]+@[^@\\s]+$", "x-hint": "sip:list@domain" })),
    /** Optional RFC 4662 resource list for telephony (`Event: dialog` on a list of extensions). */
    telephonyListUri: Type.Optional(Type.String({ pattern: "^sips?:[^@\\s]+@[^@\\s]+$", "x-hint": "sip:list@domain" })),
    /** Event package for telephony; `dialog` falls back to `presence` by itself when the server answers 489. */
    telephonyEvent: StringEnum(["dialog", "presence"], { default: "dialog" }),
    /**
     * Seconds a resource list may stay silent about a member it lists before that member, if
     * watched, gets its own subscription (back to the list once the list speaks of it).
     */
    listMemberTimeout: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
    /** Requested subscription duration, seconds. */
    expires: Type.Integer({ minimum: 60, maximum: 86400, default: 600 }),
    /** Out-of-dialog SUBSCRIBEs per second (pacing; servers rate-limit watchers). */
    subscribeRate: Type.Number({ minimum: 0.1, maximum: 10000, default: 20 }),
    /** SUBSCRIBEs allowed at once before pacing starts. */
    subscribeBurst: Type.Integer({ minimum: 1, maximum: 10000, default: 20 }),
    /**
     * NOTIFYs per second applied per subscription; more are answered 200 and coalesced (the
     * last state wins), so one flooding dialog cannot starve other users' updates.
     */
    notifyRate: Type.Number({ minimum: 0.1, maximum: 10000, default: 10 }),
    /** NOTIFYs a subscription may apply at once before its rate counts. */
    notifyBurst: Type.Integer({ minimum: 1, maximum: 10000, default: 20 }),
    /** Local UDP port (0: any free port). */
    localPort: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    /** TLS: trusted CA certificate(s) in PEM; default the system's. */
    tlsCa: Type.Optional(Type.String({ maxLength: 100000 })),
    /** TLS: name to verify the server certificate against; default the server host. */
    tlsServerName: Type.Optional(Type.String({ maxLength: 255 })),
    /** Seconds between health checks while healthy. */
    healthCheckSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
    /** SIP timer T1 in ms (RFC 3261 default 500); lower only on fast local links. */
    t1Ms: Type.Integer({ minimum: 50, maximum: 5000, default: 500 }),
  },
  { additionalProperties: false },
);
export type SipSettings = Static<typeof SipSettings>;

/** Why the settings are not enough to run, or null. */
export function sipIncomplete(s: SipSettings): string | null {
  if (!s.server) return "no server address";
  if (!s.uri) return "no URI (the identity used for SUBSCRIBE)";
  return null;
}

/** `sip:user@host` from the configured URI (which may lack the scheme). */
export function identityUri(s: SipSettings): string {
  const uri = s.uri!;
  return /^sips?:/i.test(uri) ? uri : `sip:${uri}`;
}

/** The domain of telephony targets: the setting, else the URI's host. */
export function targetDomain(s: SipSettings): string {
  if (s.domain) return s.domain;
  const uri = identityUri(s);
  return uri.slice(uri.indexOf("@") + 1).replace(/[;>].*$/, "");
}

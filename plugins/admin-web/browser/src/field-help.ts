/** How one setting is presented in a connector form. */
export interface FieldHint {
  readonly label?: string;
  readonly help?: string;
  readonly placeholder?: string;
}

/** Presentation of a connector type's form: which settings come first, labels and help. */
export interface TypeHints {
  /** Settings shown up front, in this order; the rest go under "Advanced settings". */
  readonly main: readonly string[];
  readonly fields: Readonly<Record<string, FieldHint>>;
}

/**
 * Labels and help text for the bundled connector types, in the words of the reference
 * document. Types without hints get a generic form from their schema alone (labels from the
 * setting names, help from the schema's `description`/`x-hint`).
 */
export const TYPE_HINTS: Readonly<Record<string, TypeHints>> = {
  "sip-simple": {
    main: ["server", "protocol", "uri", "authId", "password", "domain", "resourceListUri"],
    fields: {
      server: {
        label: "Server address",
        help: "IP address or FQDN of the PBX (without a presence server) or of the presence server. The port defaults to 5060 (5061 for TLS); for another one write host:port, e.g. 192.168.100.1:5070.",
        placeholder: "192.0.2.10:5060",
      },
      protocol: { label: "Protocol", help: "UDP or TCP (or TLS): whichever your presence server or PBX supports." },
      uri: {
        label: "URI",
        help: "The SIP address used for presence monitoring. With a presence server: an ad hoc user, e.g. presence@example.com. Without: EXTENSION@PBX-IP, e.g. 1000@192.168.1.100. May be a dummy on a trusted trunk.",
        placeholder: "presence@example.com",
      },
      authId: { label: "Auth ID", help: "Needed if the server asks for authentication; otherwise the first part of the URI (e.g. presence). Defaults to the URI's user part." },
      password: { label: "Password", help: "Needed if the server asks for authentication; otherwise leave it empty." },
      domain: { label: "Domain", help: "With a presence server: its domain (e.g. example.com). Without: the IP address or FQDN of the PBX. Defaults to the URI's host.", placeholder: "example.com" },
      resourceListUri: { label: "Resource list URI (optional)", help: "An RFC 4662 resource list for rich presence: one SUBSCRIBE for everyone in the list, e.g. sip:team@example.com.", placeholder: "sip:list@example.com" },
      telephonyListUri: { label: "Telephony resource list URI", help: "An RFC 4662 resource list for telephony (dialog event) of extensions." },
      listMemberTimeout: { label: "List member timeout (s)", help: "Seconds a resource list may say nothing of a watched member before that member gets its own subscription (back to the list once the list speaks of it)." },
      telephonyEvent: { label: "Telephony event package", help: "dialog (falls back to presence by itself when the server answers 489) or presence." },
      expires: { label: "Subscription duration (s)", help: "Requested Expires of each subscription." },
      subscribeRate: { label: "SUBSCRIBEs per second", help: "Pacing of new subscriptions: servers rate-limit watchers." },
      subscribeBurst: { label: "SUBSCRIBE burst", help: "SUBSCRIBEs allowed at once before pacing starts." },
      localPort: { label: "Local port", help: "Local UDP port; 0 picks any free port." },
      tlsCa: { label: "TLS: trusted CA (PEM)", help: "CA certificate(s) to trust; default the system's." },
      tlsServerName: { label: "TLS: server name", help: "Name to verify the server certificate against; default the server host." },
      healthCheckSeconds: { label: "Health check interval (s)", help: "Seconds between checks while the server answers." },
      t1Ms: { label: "SIP timer T1 (ms)", help: "Retransmission timer (RFC 3261 default 500); lower it only on fast local links." },
    },
  },
  "http-push": {
    main: ["listen", "token", "sourceClass", "fields"],
    fields: {
      listen: { label: "Listen address", help: "Where the pushing system sends presence, host:port (port 0 picks a free one).", placeholder: "127.0.0.1:8090" },
      token: { label: "Token", help: "Shared secret the pushing system sends as Authorization: Bearer <token> (16+ characters)." },
      sourceClass: { label: "Source class", help: "cti if it carries PBX line state (then it beats presence servers), presence-server, or other." },
      fields: { label: "Presence fields", help: "Which presence this source provides." },
    },
  },
};

/** "resourceListUri" → "Resource list uri": a readable label for settings without hints. */
export function labelFromKey(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

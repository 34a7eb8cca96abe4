/** Where a datagram or connection came from. */
export interface Remote {
  readonly address: string;
  readonly port: number;
}

/** What a transport tells the layer above. */
export interface TransportDelegate {
  /** One whole message (a datagram, or a framed stream message). */
  onMessage(data: Buffer, remote: Remote): void;
  /** The connection to the server is gone (stream transports); the connector decides what next. */
  onDown(reason: string): void;
}

/**
 * A transport towards one SIP server: UDP, TCP or TLS.
 *
 * ```
 *   closed ──open()──► open ──(stream lost)──► down ──open()──► open …
 *                        └──close()──► closed
 * ```
 * Rules (after SIP.js's Transport contract): a transport never hides loss of its connection —
 * it reports `onDown` and does not reconnect by itself; the connector owns recovery and pacing.
 * `send` on a transport that is not open returns false and sends nothing.
 */
export interface SipTransport {
  readonly protocol: "udp" | "tcp" | "tls";
  /** Reliable transports need no retransmissions (RFC 3261 §17.1.2.2: only timer F). */
  readonly reliable: boolean;
  /** Our address as the server reaches us, for Via sent-by and Contact. Valid once open. */
  readonly local: Remote;
  /** The server's address requests go to (for the message trace). */
  readonly remote: Remote;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends to the server. */
  send(data: Buffer): boolean;
  /** Sends a response to a request received from `remote` (UDP: there; streams: the connection). */
  reply(data: Buffer, remote: Remote): boolean;
}

/** The Via transport token for a protocol. */
export function viaTransport(protocol: SipTransport["protocol"]): "UDP" | "TCP" | "TLS" {
  return protocol === "udp" ? "UDP" : protocol === "tcp" ? "TCP" : "TLS";
}

/** One protocol message a connector exchanged, for the diagnostics page. */
export interface MessageTraceEntry {
  readonly at: number;
  readonly direction: "in" | "out";
  /** Peer address, `host:port`. */
  readonly remote: string;
  /** The message as text, credentials redacted. */
  readonly text: string;
}

/**
 * Optional connector capability: a bounded trace of recent protocol messages. The diagnostics
 * "subscribe" action shows the trace for the user it subscribed.
 */
export interface TracesMessages {
  messageTrace(filter?: { username?: string; limit?: number }): MessageTraceEntry[];
}

export function tracesMessages(connector: object): connector is TracesMessages {
  return typeof (connector as Partial<TracesMessages>).messageTrace === "function";
}

/**
 * Optional connector capability: counters for diagnostics and metrics (messages, parse errors
 * by kind, retransmissions, bad bodies…). Names are stable, dotted, lower-case.
 */
export interface ReportsCounters {
  counters(): Readonly<Record<string, number>>;
}

export function reportsCounters(connector: object): connector is ReportsCounters {
  return typeof (connector as Partial<ReportsCounters>).counters === "function";
}

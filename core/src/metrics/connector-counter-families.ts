/**
 * How connectors' counters (the optional `counters()` capability, `ReportsCounters`) appear as
 * Prometheus families. Connectors keep plain numbers under stable dotted names; the hub reads
 * them when Prometheus scrapes, so the NOTIFY path pays nothing for metrics.
 *
 * Well-known names get a family of their own (so dashboards work for every connector that uses
 * the name); a name ending in a label value (`sip.parse_errors.<kind>`) becomes a label. Any
 * other name is still exported, as `presence_hub_connector_counter{connector, name}`.
 */
export interface CounterFamily {
  /** The exact counter name, or (with `label`) a prefix whose remainder is the label's value. */
  readonly counter: string;
  /** The label the remainder of a prefix becomes. */
  readonly label?: string;
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
}

export const CONNECTOR_COUNTER_FAMILIES: readonly CounterFamily[] = [
  { counter: "notify.received", name: "presence_hub_notifies_received_total", type: "counter", help: "NOTIFY requests received on the connector's subscriptions; rate() gives NOTIFYs per second." },
  { counter: "notify.bad_body", name: "presence_hub_notify_bad_bodies_total", type: "counter", help: "NOTIFYs whose body could not be used (state left unchanged)." },
  { counter: "notify.unknown_dialog", name: "presence_hub_notify_unknown_dialogs_total", type: "counter", help: "NOTIFYs for no known subscription (answered 481)." },
  { counter: "sip.received", name: "presence_hub_sip_messages_received_total", type: "counter", help: "SIP messages received (requests and responses, retransmissions included)." },
  { counter: "sip.sent", name: "presence_hub_sip_messages_sent_total", type: "counter", help: "SIP messages sent (retransmissions not included)." },
  { counter: "sip.retransmissions", name: "presence_hub_sip_retransmissions_total", type: "counter", help: "SIP requests and responses sent again (UDP timers)." },
  { counter: "sip.timeouts", name: "presence_hub_sip_timeouts_total", type: "counter", help: "SIP transactions that got no final answer in time." },
  { counter: "sip.parse_errors.", label: "kind", name: "presence_hub_sip_parse_errors_total", type: "counter", help: "Malformed SIP messages dropped, by kind of error." },
  { counter: "auth.failures", name: "presence_hub_auth_failures_total", type: "counter", help: "Times the server refused the connector's credentials." },
  { counter: "subscriptions.backoffs", name: "presence_hub_resubscribe_backoffs_total", type: "counter", help: "Subscriptions that failed and wait (backoff or Retry-After) before subscribing again." },
  { counter: "subscriptions.state.", label: "state", name: "presence_hub_subscriptions", type: "gauge", help: "The connector's subscriptions by state (active, subscribing, waiting, …)." },
];

/** Family of counter names no well-known family claims. */
export const OTHER_COUNTERS: CounterFamily = {
  counter: "",
  label: "name",
  name: "presence_hub_connector_counter",
  type: "gauge",
  help: "Any other counter a connector reports, by its dotted name (as Diagnostics shows it).",
};

/** The family a counter name belongs to, and its label value if the family takes one. */
export function familyOf(counter: string): { family: CounterFamily; labelValue: string | null } {
  for (const family of CONNECTOR_COUNTER_FAMILIES) {
    if (family.label === undefined) {
      if (counter === family.counter) return { family, labelValue: null };
    } else if (counter.startsWith(family.counter) && counter.length > family.counter.length) {
      return { family, labelValue: counter.slice(family.counter.length) };
    }
  }
  return { family: OTHER_COUNTERS, labelValue: counter };
}

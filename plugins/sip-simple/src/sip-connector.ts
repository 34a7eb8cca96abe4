import { inject, injectable } from "tsyringe";
import {
  Tokens,
  watchTargetId,
  type Connector,
  type ConnectorContext,
  type ConnectorStatus,
  type ErrorStatus,
  type Observation,
  type PresenceField,
  type RichReport,
  type TelephonyReport,
  type TimerHandle,
  type WatchTarget,
  type MessageTraceEntry,
  type TracesMessages,
  type ReportsCounters,
  sipUriKey,
} from "@presence-hub/core";
import { dispatchBody } from "./bodies/body-dispatch.js";
import { ResourceList } from "./resource-list.js";
import { mapRichBody, TelephonyNotifyMapper, type MappedNotify } from "./notify-mapper.js";
import { identityUri, targetDomain, type SipSettings } from "./sip-settings.js";
import { Backoff } from "@presence-hub/core";
import { SubscribePacer } from "./subscription/subscribe-pacer.js";
import { NotifyBudget } from "./subscription/notify-budget.js";
import { Subscription, SUBSCRIPTION_PHASES, type SubscriptionContext, type SubscriptionDelegate, type SubscriptionFailure } from "./subscription/subscription.js";
import { MessageTrace, type TraceEntry } from "./transaction/message-trace.js";
import { TransactionLayer, type Responder } from "./transaction/transaction-layer.js";
import { RFC3261_TIMERS } from "./transaction/transaction-timers.js";
import { parseServerAddress, resolveServer } from "./transport/server-address.js";
import type { Remote, SipTransport, TransportDelegate } from "./transport/sip-transport.js";
import { StreamTransport } from "./transport/stream-transport.js";
import { UdpTransport } from "./transport/udp-transport.js";
import { DigestAuthenticator, newCallId, newTag, type HeaderList, type SipParseError, type SipRequest, type SipResponse } from "./wire/index.js";
import { HealthProbe, type ProbeResult } from "./health-probe.js";
import { ownString } from "./wire/own-string.js";

const USER_AGENT = "presence-hub/0.1";
const ACCEPT_PRESENCE = "application/pidf+xml";
const ACCEPT_DIALOG = "application/dialog-info+xml, application/x-as-feature-event+xml";

/**
 * Limits for a resource list's NOTIFY. Its full state carries every member: Kamailio's for 10,000
 * members is a 400 KB RLMI document with 10,000+ elements and, once states are known, a body part
 * per member. A single presentity's limits (256 KiB of XML, 20,000 elements, 1,024 parts) refused
 * it, and the connector then fell back to subscribing everyone one by one. The 16 MiB bound on
 * the body still caps the work.
 */
const LIST_BODY_LIMITS = {
  maxBodyBytes: 16 * 1024 * 1024,
  xml: { maxBytes: 16 * 1024 * 1024, maxElements: 500_000 },
  multipart: { maxParts: 100_001 },
} as const;

/** One watched target: its own subscription (null while a resource list covers it) and what its NOTIFYs mean. */
interface Watch {
  readonly target: WatchTarget;
  /** `user@host` of the presentity, to match resource-list members. */
  readonly key: string;
  subscription: Subscription | null;
  readonly telephony: TelephonyNotifyMapper | null;
  /** NOTIFYs over this budget are coalesced, the last one applied when the budget allows. */
  readonly budget: NotifyBudget<BudgetedNotify>;
}

/** A NOTIFY waiting for its watch's budget. */
interface BudgetedNotify {
  readonly watch: Watch;
  readonly subscription: Subscription;
  readonly notify: SipRequest;
}

/** A resource-list subscription for one field and what it knows. */
interface ListWatch {
  readonly list: ResourceList;
  readonly subscription: Subscription;
  /** The server does not treat the URI as a list: never subscribe it again (until a restart). */
  rejected: boolean;
  /** Armed when the list's membership is learnt: members still silent then are watched one by one. */
  silenceTimer: TimerHandle | null;
}

/**
 * The SIP SIMPLE connector: one instance per configured PBX or presence server. Telephony
 * presence by `Event: dialog` on `<first extension>@<domain>` (falling back to `Event:
 * presence` where the server answers 489), rich presence by `Event: presence` on the user's
 * SIP URI. Owns its transport, transactions, digest credentials, subscription pacing, a health
 * probe and a bounded message trace.
 *
 * Health: `connection-error` when the server does not answer or the TCP/TLS connection is lost
 * (every watched user then shows `error`, so another server can stand in); `forbidden` when the
 * credentials are refused; `credentials-not-found` when the server works but does not know the
 * configured identity; `up-and-running` otherwise. Recovery is automatic and paced.
 */
@injectable()
export class SipConnector implements Connector, TracesMessages, ReportsCounters, TransportDelegate, SubscriptionDelegate {
  private readonly settings: SipSettings;
  private readonly trace = new MessageTrace(500);
  private readonly watches = new Map<string, Watch>();
  private readonly bySubscription = new Map<Subscription, Watch>();
  private readonly dialogs = new Map<string, Subscription>();
  private readonly lists = new Map<Subscription, ListWatch>();
  /** Plain numbers on the hot path; read only when Diagnostics or a metrics scrape asks. */
  private readonly ownCounters: Record<string, number> = { "notify.received": 0, "notify.bad_body": 0, "notify.unknown_dialog": 0, "auth.failures": 0, "subscriptions.backoffs": 0, "notify.coalesced": 0, "list.members_released": 0 };
  private readonly probeCallIds = new Set<string>();
  private readonly reconnectBackoff = new Backoff(1_000, 30_000);
  private transport: SipTransport | null = null;
  private transactions: TransactionLayer | null = null;
  private pacer: SubscribePacer | null = null;
  private probe: HealthProbe | null = null;
  private sharedContext: SubscriptionContext | null = null;
  private auth: DigestAuthenticator;
  private reconnectTimer: TimerHandle | null = null;
  private probeTimer: TimerHandle | null = null;
  private running = false;
  private status: ConnectorStatus = "connection-error";
  /** A probe found the server unreachable since every subscription was last (re)started. */
  private resubscribeWhenBack = false;
  private server: Remote | null = null;
  /** Telephony uses `Event: presence` once the server refused `dialog` (489). */
  private telephonyEvent: "dialog" | "presence";

  constructor(@inject(Tokens.ConnectorContext) private readonly ctx: ConnectorContext<SipSettings>) {
    this.settings = ctx.settings;
    this.telephonyEvent = this.settings.telephonyEvent;
    this.auth = this.newAuthenticator();
  }

  // ─── Connector ──────────────────────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    this.running = true;
    this.pacer = new SubscribePacer(this.ctx.clock, this.settings.subscribeRate, this.settings.subscribeBurst);
    for (const [field, uri] of [["rich", this.settings.resourceListUri], ["telephony", this.settings.telephonyListUri]] as const) {
      if (!uri) continue;
      const event = field === "rich" ? "presence" : "dialog";
      const accept = `multipart/related, application/rlmi+xml, ${field === "rich" ? ACCEPT_PRESENCE : ACCEPT_DIALOG}`;
      const subscription = new Subscription({ event, target: uri, accept, expires: this.settings.expires, eventList: true }, this.subscriptionContext(), this);
      this.lists.set(subscription, { list: new ResourceList(field), subscription, rejected: false, silenceTimer: null });
    }
    await this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clearTimers();
    for (const watch of this.watches.values()) watch.subscription?.stop();
    for (const l of this.lists.values()) l.subscription.stop();
    // Give the un-SUBSCRIBEs a moment on the wire before the socket goes.
    if (this.transactions && this.transactions.pending > 0) await new Promise((r) => setTimeout(r, 200));
    this.pacer?.clear();
    this.transactions?.abortAll("connector stopped");
    await this.transport?.close();
    this.transport = null;
    this.transactions = null;
    this.watches.clear();
    this.bySubscription.clear();
    this.dialogs.clear();
    this.lists.clear();
  }

  watch(target: WatchTarget): void {
    const id = watchTargetId(target.field, target.key);
    if (this.watches.has(id)) return;
    // One shared apply function, the watch travelling in the item: a closure per watch cost
    // about 100 B (closure and context) for each of 20,000 subscriptions.
    const budget = new NotifyBudget<BudgetedNotify>(this.ctx.clock, this.settings.notifyRate, this.settings.notifyBurst, this.applyBudgeted);
    // Flat copies: the key and the target URI are built by concatenation, trees of 32-byte nodes
    // kept for the life of the watch (see ownString).
    const watch: Watch = { target, key: ownString(sipUriKey(this.targetUri(target)) ?? target.key.value), subscription: null, telephony: target.field === "telephony" ? new TelephonyNotifyMapper() : null, budget };
    this.watches.set(id, watch);
    this.placeWatch(watch);
  }

  unwatch(target: WatchTarget): void {
    const id = watchTargetId(target.field, target.key);
    const watch = this.watches.get(id);
    if (!watch) return;
    this.watches.delete(id);
    this.dropSubscription(watch);
    const list = this.listFor(target.field);
    if (list && ![...this.watches.values()].some((w) => w.target.field === target.field)) list.subscription.stop();
  }

  /** The last messages exchanged, optionally only those of the subscriptions for one user. */
  messageTrace(filter: { username?: string; limit?: number } = {}): MessageTraceEntry[] {
    let callIds: Set<string> | undefined;
    if (filter.username) {
      callIds = new Set<string>();
      for (const w of this.watches.values()) if (w.target.username === filter.username && w.subscription) for (const id of w.subscription.callIds) callIds.add(id);
      // Members of a resource list: the list's NOTIFYs carry them.
      for (const l of this.lists.values()) for (const id of l.subscription.callIds) callIds.add(id);
    }
    return this.trace.entries({ callIds, limit: filter.limit }).map(toTraceEntry);
  }

  /**
   * Counters: `sip.*` from the transaction layer, `notify.*` from body handling, `auth.failures`
   * (credentials refused), `subscriptions.backoffs` (failed subscriptions waiting to retry) and
   * `subscriptions.state.<phase>` (how many subscriptions are in each phase now).
   */
  counters(): Readonly<Record<string, number>> {
    const out: Record<string, number> = { ...this.ownCounters };
    for (const w of this.watches.values()) out["notify.coalesced"]! += w.budget.coalesced;
    const st = this.transactions?.stats;
    if (st) {
      out["sip.received"] = st.received;
      out["sip.sent"] = st.sent;
      out["sip.retransmissions"] = st.retransmissions;
      out["sip.absorbed_retransmissions"] = st.absorbedRetransmissions;
      out["sip.timeouts"] = st.timeouts;
      out["sip.stray_responses"] = st.strayResponses;
      out["sip.handler_errors"] = st.handlerErrors;
      for (const [code, n] of Object.entries(st.parseErrors)) out[`sip.parse_errors.${code}`] = n;
    }
    out["subscriptions"] = [...this.watches.values()].filter((w) => w.subscription).length;
    out["subscriptions.lists"] = this.lists.size;
    for (const phase of SUBSCRIPTION_PHASES) out[`subscriptions.state.${phase}`] = 0;
    for (const w of this.watches.values()) if (w.subscription) out[`subscriptions.state.${w.subscription.phase}`]!++;
    for (const l of this.lists.values()) out[`subscriptions.state.${l.subscription.phase}`]!++;
    return out;
  }

  // ─── TransportDelegate ──────────────────────────────────────────────────────────────────────

  onMessage(data: Buffer, remote: Remote): void {
    this.transactions?.receive(data, remote);
  }

  onDown(reason: string): void {
    // A stream transport lost its connection: every dialog on it is gone.
    this.transactions?.abortAll(reason);
    this.setStatus("connection-error", `connection lost: ${reason}`);
    this.scheduleReconnect();
  }

  // ─── SubscriptionDelegate ───────────────────────────────────────────────────────────────────

  onNotify(subscription: Subscription, notify: SipRequest): void {
    const list = this.lists.get(subscription);
    if (list) return this.onListNotify(list, notify);
    const watch = this.bySubscription.get(subscription);
    if (!watch) return;
    this.ownCounters["notify.received"]!++;
    // The last NOTIFY of a subscription is applied at once, whatever the budget, after the one
    // it kept (a terminated NOTIFY without a body must not swallow the last real state).
    if (notify.subscriptionState?.state === "terminated") {
      watch.budget.flush();
      return this.applyNotify(watch, subscription, notify);
    }
    watch.budget.offer({ watch, subscription, notify });
  }

  /** A NOTIFY the budget lets through; one that waited is applied only while it is still its watch's subscription. */
  private readonly applyBudgeted = ({ watch, subscription, notify }: BudgetedNotify): void => {
    if (watch.subscription === subscription) this.applyNotify(watch, subscription, notify);
  };

  /** Maps one NOTIFY's body into a report for the watch (within its NOTIFY budget). */
  private applyNotify(watch: Watch, subscription: Subscription, notify: SipRequest): void {
    let mapped: MappedNotify<TelephonyReport | RichReport>;
    let contentType: string | undefined;
    try {
      contentType = notify.headers.get("content-type");
    } catch {
      contentType = undefined;
    }
    if (watch.telephony) mapped = watch.telephony.map(contentType, notify.body);
    else mapped = mapRichBody(dispatchBody(contentType, notify.body));
    if (mapped.kind === "bad-body") {
      this.ownCounters["notify.bad_body"]!++;
      this.ctx.logger.warn({ target: watch.target.key.value, reason: mapped.reason }, "NOTIFY body not usable; state unchanged");
      return;
    }
    if (mapped.kind === "nothing") return;
    // A terminated NOTIFY without a body says nothing about the user; keep the last state.
    if (notify.subscriptionState?.state === "terminated" && notify.body.length === 0) return;
    this.report(watch, mapped.report);
    if (mapped.resync) subscription.restart();
  }

  onAccepted(subscription: Subscription, pending: boolean): void {
    this.ctx.logger.debug({ target: subscription.spec.target, event: subscription.spec.event, pending }, "subscription accepted");
    const watch = this.bySubscription.get(subscription);
    if (watch && pending) this.report(watch, { kind: "requesting" });
  }

  onFailure(subscription: Subscription, failure: SubscriptionFailure): void {
    this.ownCounters["subscriptions.backoffs"]!++;
    if (failure.authRejected) {
      this.ownCounters["auth.failures"]!++;
      this.setStatus("forbidden", failure.reason);
    }
    const list = this.lists.get(subscription);
    if (list) {
      // The list is gone for now: its members get their own subscriptions until it is back.
      this.ctx.logger.warn({ list: subscription.spec.target, reason: failure.reason }, "resource list subscription failed; watching its members one by one");
      this.resetList(list);
      this.reconcile(list.list.field);
      return;
    }
    const watch = this.bySubscription.get(subscription);
    if (!watch) return;
    this.ctx.logger.info({ target: watch.target.key.value, code: failure.code, reason: failure.reason, retryInMs: failure.retryInMs }, "subscription failed");
    watch.telephony?.reset();
    this.report(watch, { kind: "error", status: failure.status, reason: failure.reason });
  }

  onBadEvent(subscription: Subscription): void {
    const list = this.lists.get(subscription);
    if (list) return this.onFailure(subscription, { status: "error", code: 489, reason: "489 Bad Event for the resource list", authRejected: false, retryInMs: 0 });
    const watch = this.bySubscription.get(subscription);
    if (!watch) return;
    if (watch.target.field === "telephony" && subscription.spec.event === "dialog") {
      // The PBX has no dialog package for extensions (Asterisk hints over presence): switch all.
      this.ctx.logger.info("server answered 489 to Event: dialog; telephony falls back to Event: presence");
      this.telephonyEvent = "presence";
      this.replaceSubscription(watch);
      return;
    }
    this.report(watch, { kind: "error", status: "error", reason: `489 Bad Event: the server offers no ${subscription.spec.event} package here` });
  }

  onServerAnswer(code: number | "timeout"): void {
    if (code === "timeout") {
      if (this.status !== "connection-error") this.runProbe();
      return;
    }
    if (this.status === "connection-error") this.runProbe();
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    if (!this.running) return;
    const s = this.settings;
    try {
      const resolved = await resolveServer(parseServerAddress(s.server!), s.protocol);
      this.server = { address: resolved.address, port: resolved.port };
      const transport: SipTransport =
        s.protocol === "udp"
          ? new UdpTransport(this.server, this, { port: s.localPort || undefined })
          : new StreamTransport({ protocol: s.protocol, server: this.server, ca: s.tlsCa, serverName: s.tlsServerName ?? tlsName(s.server!) }, this);
      await transport.open();
      if (!this.running) return void (await transport.close());
      this.transport = transport;
      const timers = { ...RFC3261_TIMERS, t1: s.t1Ms };
      this.transactions = new TransactionLayer(
        transport,
        this.ctx.clock,
        { onRequest: (r, respond, remote) => this.onRequest(r, respond, remote), onMalformed: (e, remote) => this.onMalformed(e, remote) },
        this.trace,
        timers,
      );
      this.probe = new HealthProbe(this.probeContext());
    } catch (e) {
      this.setStatus("connection-error", (e as Error).message);
      this.scheduleReconnect();
      return;
    }
    this.reconnectBackoff.reset();
    this.runProbe();
    this.restartAll();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const transport = this.transport;
    this.transport = null;
    void transport?.close();
    const delay = this.reconnectBackoff.next();
    this.reconnectTimer = this.ctx.clock.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private malformedLogged = 0;
  private malformedSince = 0;

  /** Logs malformed input: the first at once, then at most one summary line per 10 s (a flood must not flood the log). */
  private onMalformed(error: SipParseError, remote: Remote): void {
    const now = this.ctx.clock.now();
    this.malformedSince++;
    if (now - this.malformedLogged < 10_000) return;
    this.ctx.logger.warn({ from: `${remote.address}:${remote.port}`, reason: error.message, count: this.malformedSince }, "malformed SIP message dropped");
    this.malformedLogged = now;
    this.malformedSince = 0;
  }

  /** Requests from the server: NOTIFYs for our dialogs, OPTIONS keep-alives; the rest refused. */
  private onRequest(request: SipRequest, respond: Responder, _remote: Remote): void {
    if (request.method === "NOTIFY") {
      const sub = this.dialogs.get(request.callId);
      if (sub) return sub.handleNotify(request, respond);
      if (this.probeCallIds.has(request.callId)) return respond(200);
      this.ownCounters["notify.unknown_dialog"]!++;
      this.ctx.logger.info({ callId: request.callId }, "NOTIFY for an unknown dialog answered 481");
      return respond(481, { reason: "Subscription Does Not Exist" });
    }
    if (request.method === "OPTIONS") return respond(200, { headers: [["Allow", "NOTIFY, OPTIONS"], ["Accept", `${ACCEPT_PRESENCE}, ${ACCEPT_DIALOG}`]] });
    respond(405, { headers: [["Allow", "NOTIFY, OPTIONS"]] });
  }

  private newSubscription(watch: Watch): Subscription {
    const t = watch.target;
    const telephony = t.field === "telephony";
    const event = telephony ? this.telephonyEvent : "presence";
    const target = this.targetUri(t);
    const accept = event === "dialog" ? ACCEPT_DIALOG : ACCEPT_PRESENCE;
    return new Subscription({ event, target, accept, expires: this.settings.expires }, this.subscriptionContext(), this);
  }

  private replaceSubscription(watch: Watch): void {
    this.dropSubscription(watch);
    watch.telephony?.reset();
    this.placeWatch(watch);
  }

  /** A watch goes to its field's resource list when the list covers it, else to its own subscription. */
  private placeWatch(watch: Watch): void {
    const list = this.listFor(watch.target.field);
    // A list is subscribed while someone watches its field (on demand, and in a cluster only on
    // the node that owns this connector).
    if (list && !list.rejected && this.transport?.isOpen && (list.subscription.phase === "idle" || list.subscription.phase === "stopped")) {
      this.resetList(list);
      list.subscription.start();
    }
    const covered = list?.list.covers(watch.key);
    if (list && covered !== false && listUsable(list)) {
      // Covered (or the list's membership is not known yet: its full state decides).
      this.dropSubscription(watch);
      const last = covered ? list.list.lastReport(watch.key) : undefined;
      if (last) this.report(watch, last);
      return;
    }
    if (watch.subscription) return;
    watch.subscription = this.newSubscription(watch);
    this.bySubscription.set(watch.subscription, watch);
    if (this.transport?.isOpen) watch.subscription.start();
  }

  private dropSubscription(watch: Watch): void {
    watch.budget.clear();
    if (!watch.subscription) return;
    this.bySubscription.delete(watch.subscription);
    watch.subscription.stop();
    watch.subscription = null;
  }

  /** Re-places every watch of a field after the list's membership changed or the list failed. */
  private reconcile(field: PresenceField): void {
    for (const w of this.watches.values()) if (w.target.field === field) this.placeWatch(w);
  }

  private listFor(field: PresenceField): ListWatch | undefined {
    for (const l of this.lists.values()) if (l.list.field === field) return l;
    return undefined;
  }

  private onListNotify(list: ListWatch, notify: SipRequest): void {
    let contentType: string | undefined;
    try {
      contentType = notify.headers.get("content-type");
    } catch {
      contentType = undefined;
    }
    const update = list.list.apply(dispatchBody(contentType, notify.body, LIST_BODY_LIMITS));
    if ("error" in update) {
      this.ctx.logger.warn({ list: list.subscription.spec.target, reason: update.error }, "resource list NOTIFY not usable");
      if (list.list.covers("") === null) {
        // Never got a list: the server does not treat the URI as a resource list (wrong URI,
        // or a list owned by another identity). Watch everyone one by one instead.
        this.ctx.sink.status(this.status, `resource list ${list.subscription.spec.target} is not a list on this server; watching users one by one`);
        list.rejected = true;
        list.subscription.stop();
        this.reconcile(list.list.field);
      }
      return;
    }
    for (const p of update.problems) this.ctx.logger.warn({ list: list.subscription.spec.target, problem: p }, "resource list member not usable");
    if (update.membershipChanged) {
      this.reconcile(list.list.field);
      this.armSilenceTimer(list);
    }
    if (update.reports.size > 0) {
      for (const w of this.watches.values()) {
        if (w.target.field !== list.list.field || w.subscription) continue;
        const report = update.reports.get(w.key);
        if (report) this.report(w, report);
      }
    }
    if (update.resync) list.subscription.restart();
  }

  /** Forgets a list's membership (lost or re-subscribed list) and its pending silence check. */
  private resetList(list: ListWatch): void {
    list.list.reset();
    this.clearSilenceTimer(list);
  }

  private clearSilenceTimer(list: ListWatch): void {
    if (list.silenceTimer) this.ctx.clock.clearTimeout(list.silenceTimer);
    list.silenceTimer = null;
  }

  /**
   * `listMemberTimeout` seconds after the membership is learnt, watched members the list has still
   * said nothing of get their own subscriptions (paced like any other) rather than no state for
   * as long as the server takes to notice; they go back to the list when it speaks of them.
   */
  private armSilenceTimer(list: ListWatch): void {
    if (list.silenceTimer || list.list.silentMembers().length === 0) return;
    list.silenceTimer = this.ctx.clock.setTimeout(() => {
      list.silenceTimer = null;
      const silent = new Set(list.list.silentMembers());
      const watched = [...this.watches.values()].filter((w) => w.target.field === list.list.field && silent.has(w.key)).map((w) => w.key);
      if (watched.length === 0) return;
      this.ctx.logger.warn(
        { list: list.subscription.spec.target, members: watched.length, first: watched.slice(0, 5), afterSeconds: this.settings.listMemberTimeout },
        "resource list sent no state for some members; watching them one by one",
      );
      this.ownCounters["list.members_released"]! += watched.length;
      list.list.release(watched);
      this.reconcile(list.list.field);
    }, this.settings.listMemberTimeout * 1000);
  }

  /** Re-subscribes every list and every own subscription (paced): after a reconnect or an outage. */
  private restartAll(): void {
    this.resubscribeWhenBack = false;
    for (const l of this.lists.values()) {
      if (l.rejected || ![...this.watches.values()].some((w) => w.target.field === l.list.field)) continue;
      this.resetList(l);
      if (l.subscription.phase === "idle" || l.subscription.phase === "stopped") l.subscription.start();
      else l.subscription.restart();
    }
    for (const w of this.watches.values()) {
      if (w.subscription) w.subscription.restart();
      else this.placeWatch(w);
    }
  }

  /** The presentity a target is about: `<extension>@<domain>` for telephony, the SIP URI for rich. */
  private targetUri(target: WatchTarget): string {
    return ownString(target.field === "telephony" ? `sip:${target.key.value}@${targetDomain(this.settings)}` : sipTarget(target.key.value));
  }

  /**
   * What every subscription of this connector shares, made once: an object and four closures per
   * subscription were about 350 bytes each, 7 MB for 10,000 users. The pacer is read through a
   * getter because every start() makes a new one.
   */
  private subscriptionContext(): SubscriptionContext {
    if (this.sharedContext) return this.sharedContext;
    const connector = this;
    this.sharedContext = {
      transactions: this.sender(),
      auth: this.auth,
      get pacer(): SubscribePacer {
        return connector.pacer!;
      },
      identity: { aor: identityUri(this.settings), contact: () => this.contact(), userAgent: USER_AGENT },
      clock: this.ctx.clock,
      logger: this.ctx.logger,
      timerNMs: 64 * this.settings.t1Ms,
      register: (callId, sub) => this.dialogs.set(callId, sub),
      unregister: (callId, sub) => {
        if (this.dialogs.get(callId) === sub) this.dialogs.delete(callId);
      },
    };
    return this.sharedContext;
  }

  /** Subscriptions send through whatever transaction layer is current (reconnects replace it). */
  private sender(): SubscriptionContext["transactions"] {
    return {
      send: (request, handler) => {
        if (!this.transactions) {
          handler.onTimeout("not connected to the server");
          return "";
        }
        return this.transactions.send(request, handler);
      },
    };
  }

  private contact(): string {
    const local = this.transport?.local ?? { address: "0.0.0.0", port: 0 };
    const user = identityUri(this.settings).replace(/^sips?:/, "").split("@")[0];
    const host = local.address.includes(":") ? `[${local.address}]` : local.address;
    const transport = this.settings.protocol === "udp" ? "" : `;transport=${this.settings.protocol}`;
    return `<sip:${user}@${host}:${local.port}${transport}>`;
  }

  private probeContext() {
    return {
      send: (request: { method: string; uri: string; headers: HeaderList }, onFinal: (r: SipResponse | null, reason: string) => void) => {
        const tx = this.transactions;
        if (!tx) return onFinal(null, "not connected");
        tx.send(request, { onFinal: (r) => onFinal(r, ""), onTimeout: (reason) => onFinal(null, reason) });
      },
      auth: this.auth,
      aor: identityUri(this.settings),
      contact: () => this.contact(),
      userAgent: USER_AGENT,
      newIds: () => {
        const callId = newCallId();
        this.probeCallIds.add(callId);
        this.ctx.clock.setTimeout(() => this.probeCallIds.delete(callId), 64 * this.settings.t1Ms);
        return { callId, tag: newTag() };
      },
    };
  }

  private runProbe(): void {
    if (!this.running || !this.probe) return;
    if (this.probeTimer) this.ctx.clock.clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.probe.run((result) => this.onProbe(result));
  }

  private onProbe(result: ProbeResult): void {
    if (!this.running) return;
    if (result.status === "forbidden") this.ownCounters["auth.failures"]!++;
    this.setStatus(result.status, result.detail);
    if (result.status === "connection-error") {
      this.resubscribeWhenBack = true;
      if (this.transport?.reliable) {
        // A TCP/TLS connection that carries no answer is dead or stuck: half-open (the server's
        // host vanished without a FIN, a NAT dropped the flow) or held by a peer trickling a
        // message. TCP itself notices only after its retransmissions give up (~15 min), so the
        // connector stayed on it for good (found by the robustness suite). Drop it and connect
        // afresh, with the reconnect backoff; a fresh connection fails fast if the server is gone.
        this.transactions?.abortAll("no answer on the connection; reconnecting");
        this.scheduleReconnect();
        return;
      }
    } else if (this.resubscribeWhenBack) {
      // The server is back. It may have restarted and forgotten our dialogs (a refresh would
      // only find out minutes later), and every user shows an error meanwhile: re-subscribe
      // everything now, paced, for fresh full state. Not after the first probe of a connection:
      // connect() has just subscribed everything, and doing it again would leave the first
      // dialogs orphaned on the server.
      this.restartAll();
    }
    const every = result.status === "connection-error" ? 5_000 : this.settings.healthCheckSeconds * 1000;
    this.probeTimer = this.ctx.clock.setTimeout(() => {
      this.probeTimer = null;
      this.runProbe();
    }, every);
  }

  private setStatus(status: ConnectorStatus, detail: string): void {
    const previous = this.status;
    this.status = status;
    this.ctx.sink.status(status, detail);
    if (status === "connection-error" && previous !== "connection-error") {
      // Users this server served show an error now, so another source can stand in.
      for (const w of this.watches.values()) this.report(w, { kind: "error", status: "error", reason: `server unreachable: ${detail}` });
    }
  }

  private report(watch: Watch, report: TelephonyReport | RichReport): void {
    if (!this.running) return;
    const observation = { source: this.ctx.id, field: watch.target.field, userKey: watch.target.key, at: this.ctx.clock.now(), report } as Observation;
    this.ctx.sink.observe(observation);
  }

  private newAuthenticator(): DigestAuthenticator {
    const s = this.settings;
    const user = s.authId || identityUri(s).replace(/^sips?:/, "").split("@")[0]!;
    return new DigestAuthenticator({ username: user, password: s.password ?? "" });
  }

  private clearTimers(): void {
    for (const l of this.lists.values()) this.clearSilenceTimer(l);
    if (this.reconnectTimer) this.ctx.clock.clearTimeout(this.reconnectTimer);
    if (this.probeTimer) this.ctx.clock.clearTimeout(this.probeTimer);
    this.reconnectTimer = null;
    this.probeTimer = null;
  }
}

function toTraceEntry(e: TraceEntry): MessageTraceEntry {
  return { at: e.at, direction: e.direction, remote: `${e.remote.address}:${e.remote.port}`, text: e.text };
}

/** A list subscription that can carry its members (not failed, not given up). */
function listUsable(l: ListWatch): boolean {
  const phase = l.subscription.phase;
  return !l.rejected && phase !== "waiting" && phase !== "stopped" && phase !== "closing";
}

/** A rich target as a SIP URI (users' SIP URIs are stored with their scheme; be lenient). */
function sipTarget(value: string): string {
  return /^sips?:/i.test(value) ? value : `sip:${value}`;
}

/** The name to verify a TLS certificate against: the configured host unless it is an IP literal. */
function tlsName(server: string): string | undefined {
  const host = parseServerAddress(server).host;
  return /^[\d.]+$/.test(host) || host.includes(":") ? undefined : host;
}

export type { ErrorStatus, PresenceField };

import type { Clock, ErrorStatus, Logger, TimerHandle } from "@presence-hub/core";
import { formatNameAddr, newCallId, newTag, type DigestAuthenticator, type HeaderList, type NameAddr, type SipRequest, type SipResponse } from "../wire/index.js";
import type { Responder, TransactionLayer } from "../transaction/transaction-layer.js";
import { Backoff } from "@presence-hub/core";
import type { SubscribePacer } from "./subscribe-pacer.js";
import { ownString } from "../wire/own-string.js";

/** What to subscribe to. */
export interface SubscriptionSpec {
  /** Event package: `presence` or `dialog` (no parameters: servers and sip.js mis-match them). */
  readonly event: "presence" | "dialog";
  /** Request-URI and To: the presentity (`sip:alice@pbx`) or a resource list. */
  readonly target: string;
  readonly accept: string;
  /** Requested duration in seconds. */
  readonly expires: number;
  /** Resource list (RFC 4662): adds `Supported: eventlist`. */
  readonly eventList?: boolean;
}

/** Who subscribes: the connector's identity and where NOTIFYs must go. */
export interface SubscriberIdentity {
  /** From URI, e.g. `sip:hub@pbx.example`. */
  readonly aor: string;
  /** Contact header value, e.g. `<sip:hub@192.0.2.7:5070;transport=tcp>`. */
  contact(): string;
  readonly userAgent: string;
}

/** Everything subscriptions of one connector share. */
export interface SubscriptionContext {
  readonly transactions: Pick<TransactionLayer, "send">;
  readonly auth: DigestAuthenticator;
  readonly pacer: SubscribePacer;
  readonly identity: SubscriberIdentity;
  readonly clock: Clock;
  readonly logger: Logger;
  /** 64·T1: timer N (RFC 6665 §4.1.2.4) and how long a closing dialog still takes NOTIFYs. */
  readonly timerNMs: number;
  /** Registers/unregisters the dialog's Call-ID so NOTIFYs reach it. */
  register(callId: string, subscription: Subscription): void;
  unregister(callId: string, subscription: Subscription): void;
}

/** A failure the connector turns into a per-user error (and, for auth, a connector status). */
export interface SubscriptionFailure {
  readonly status: ErrorStatus;
  /** SIP status (0 for a timeout or a transport failure). */
  readonly code: number;
  readonly reason: string;
  /** Credentials refused (401/407 after ours, or 403 to an authenticated request). */
  readonly authRejected: boolean;
  /** When the subscription will try again by itself. */
  readonly retryInMs: number;
}

/** Callbacks to the connector. */
export interface SubscriptionDelegate {
  /** A NOTIFY of this subscription (already answered 200). */
  onNotify(subscription: Subscription, notify: SipRequest): void;
  /** The server accepted (2xx) or put the subscription on hold (`pending`). */
  onAccepted(subscription: Subscription, pending: boolean): void;
  onFailure(subscription: Subscription, failure: SubscriptionFailure): void;
  /** 489 Bad Event: the server does not offer this package for the target. */
  onBadEvent(subscription: Subscription): void;
  /** Any final response from the server, or a timeout: feeds the connector's health. */
  onServerAnswer(code: number | "timeout"): void;
}

/**
 * Phases of one subscription.
 *
 * ```
 *   idle ──start()──► queued (pacer) ──► subscribing ──2xx/NOTIFY──► active ⇄ refreshing
 *                          ▲                 │ 401/407 → resend with credentials (same Call-ID)
 *                          │                 │ 423 → resend with Min-Expires
 *                          └── waiting ◄─────┘ failure / terminated NOTIFY / 481 / timer N (backoff)
 *   any ──stop()──► closing (Expires: 0 sent; final NOTIFYs still answered) ──► stopped
 * ```
 */
export const SUBSCRIPTION_PHASES = ["idle", "queued", "subscribing", "active", "refreshing", "waiting", "closing", "stopped"] as const;
export type SubscriptionPhase = (typeof SUBSCRIPTION_PHASES)[number];

/** How long before expiry a refresh goes out: enough for timer F (32 s) on UDP. */
const REFRESH_MARGIN_S = 35;
/** Retry delay after a definitive refusal (403, 404, rejected): someone may fix it server-side. */
const REFUSED_RETRY_MS = 5 * 60_000;
/**
 * The longest Retry-After we honour (the backoff's own ceiling): a server that says "retry after
 * 10^9 s" (a typo, or hostile) would otherwise silence the user until the hub restarts.
 */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
const REFUSED_CODES = new Set([404, 410, 480, 484, 604]);
/** Challenges answered per request before the credentials count as refused (stale nonces need one more). */
const MAX_CHALLENGE_ROUNDS = 3;

/**
 * One SUBSCRIBE dialog with the policy sip.js lacks (RFC 6665): refresh timed from the 2xx
 * Expires (`max(E/2, E − 35 s)`), 423/Min-Expires, digest challenges without CSeq reuse,
 * `Subscription-State: terminated` with every reason and `retry-after` in seconds, 481 → a fresh
 * dialog, timer N, the first fork kept and later ones answered 481, backoff with jitter, and
 * every out-of-dialog SUBSCRIBE paced through the connector's pacer.
 */
export class Subscription {
  phase: SubscriptionPhase = "idle";
  private callId = "";
  private fromTag = "";
  private toTag: string | null = null;
  private cseq = 0;
  private remoteCseq = -1;
  private routeSet: string[] = [];
  private remoteTarget: string;
  /** What this dialog asks for in refreshes: lowered to what the server granted. */
  private expires: number;
  /**
   * What a new dialog asks for: the configured duration, raised for good by a 423's Min-Expires,
   * never lowered. A short grant belongs to the dialog it was given in (a busy server may grant
   * less for a while); carrying it over would make every later dialog refresh that often.
   */
  private initialExpires: number;
  private dialogUp = false;
  private timer: TimerHandle | null = null;
  private timerN: TimerHandle | null = null;
  private cancelQueue: (() => void) | null = null;
  /**
   * Retry delays; made on the first failure and dropped on success (a fresh one is the reset
   * state), so the 20,000 subscriptions that never fail carry none.
   */
  private backoff: Backoff | null = null;
  /** The last final answer's status (0: none yet) and reason phrase: two fields, not an object per answer. */
  private lastCode = 0;
  private lastReason = "";

  /** The last final answer to a SUBSCRIBE, for the connector's diagnostics. */
  get lastResponse(): { code: number; reason: string } | null {
    return this.lastCode === 0 ? null : { code: this.lastCode, reason: this.lastReason };
  }

  constructor(
    readonly spec: SubscriptionSpec,
    private readonly ctx: SubscriptionContext,
    private readonly delegate: SubscriptionDelegate,
  ) {
    this.remoteTarget = spec.target;
    this.expires = spec.expires;
    this.initialExpires = spec.expires;
  }

  /** The current dialog's Call-ID (changes when the subscription is re-created). */
  get dialogCallId(): string {
    return this.callId;
  }

  /**
   * The latest dialog's Call-ID (kept after the dialog ends) and, only once there was more than
   * one, the earlier ones: a Set per subscription cost 150 bytes for what is nearly always a
   * single id.
   */
  private latestCallId = "";
  private earlierCallIds: string[] | null = null;

  /** Every Call-ID this subscription used (the last 20, oldest first), so a trace can show its whole history. */
  get callIds(): readonly string[] {
    if (!this.latestCallId) return [];
    return this.earlierCallIds ? [...this.earlierCallIds, this.latestCallId] : [this.latestCallId];
  }

  /** Subscribes (paced). Idempotent while running. */
  start(): void {
    if (this.phase !== "idle" && this.phase !== "stopped" && this.phase !== "waiting") return;
    this.clearTimer();
    this.cancelQueue?.(); // a re-send still waiting for its token (restart)
    this.phase = "queued";
    this.cancelQueue = this.ctx.pacer.acquire(() => {
      this.cancelQueue = null;
      this.sendInitial();
    });
  }

  /** Drops the dialog and subscribes again from scratch (server restart, lost connection). */
  restart(): void {
    if (this.phase === "closing" || this.phase === "stopped") return;
    this.resetDialog();
    this.phase = "idle";
    this.start();
  }

  /** Unsubscribes (Expires: 0 in the dialog when there is one) and stops for good. */
  stop(): void {
    if (this.phase === "stopped" || this.phase === "closing") return;
    this.clearTimer();
    // A pending timer N (2xx, no NOTIFY yet) would otherwise fail the closing dialog and
    // schedule a retry: a stopped subscription subscribing again.
    this.clearTimerN();
    this.cancelQueue?.();
    this.cancelQueue = null;
    // The 2xx alone makes the dialog (RFC 6665 §4.1.2.1): unsubscribe even if no NOTIFY came yet,
    // or the server keeps the subscription (and sends NOTIFYs) until it expires.
    if (this.toTag) {
      this.phase = "closing";
      this.sendInDialog(0, true);
      // Keep answering the final NOTIFY (terminated) for a while, then forget the dialog.
      this.timer = this.ctx.clock.setTimeout(() => this.finish(), this.ctx.timerNMs);
    } else {
      this.finish();
    }
  }

  /** A NOTIFY whose Call-ID is this subscription's. */
  handleNotify(notify: SipRequest, respond: Responder): void {
    if (notify.toTag !== this.fromTag) return respond(481, { reason: "Subscription Does Not Exist" });
    const remoteTag = notify.fromTag ?? "";
    if (this.toTag !== null && this.dialogUp && remoteTag !== this.toTag) {
      // A second fork (RFC 6665 §4.1.2.4): keep the first dialog, refuse the others.
      return respond(481, { reason: "Subscription Does Not Exist" });
    }
    let event;
    try {
      event = notify.event;
    } catch {
      // Parsed lazily: a malformed value throws here, and the notifier should hear why.
      return respond(400, { reason: "Bad Event Header" });
    }
    if (!event || event.package !== this.spec.event) return respond(489, { reason: "Bad Event" });
    if (notify.cseq.seq <= this.remoteCseq) {
      // RFC 3261 §12.2.2 wants a 500. A lower CSeq also means the server restarted (or someone
      // injected a higher one): this dialog can no longer be trusted to stay in step, so
      // re-subscribe for a fresh dialog and full state instead of going deaf until the refresh.
      respond(500, { reason: "Out of Order CSeq", headers: [["Retry-After", "1"]] });
      if (this.phase === "active" || this.phase === "refreshing") this.restart();
      return;
    }
    let state;
    try {
      state = notify.subscriptionState;
    } catch {
      return respond(400, { reason: "Bad Subscription-State" });
    }
    if (!state) return respond(400, { reason: "Missing Subscription-State" });
    respond(200);
    if (this.phase === "closing" || this.phase === "stopped") return;
    this.remoteCseq = notify.cseq.seq;
    if (!this.dialogUp) {
      // Kept for the dialog's life: copies, not views into this NOTIFY's text (see ownString).
      this.toTag = ownString(remoteTag);
      this.dialogUp = true;
      this.routeSet = notify.recordRoutes.map(routeValue); // UAS view: Record-Route in order
    }
    this.updateTarget(notify.contacts);
    this.clearTimerN();
    this.backoff = null;

    const s = state.state.toLowerCase();
    if (s === "terminated") {
      this.delegate.onNotify(this, notify);
      this.onTerminated(state.reason?.toLowerCase(), state.retryAfter);
      return;
    }
    // Servers that count down (Kamailio: `expires=N` in every NOTIFY) would re-arm the refresh
    // timer on every NOTIFY; only an end earlier than the planned one (by over a second) moves it.
    if (state.expires !== undefined && state.expires < this.expires && (this.expiresAt === 0 || this.ctx.clock.now() + state.expires * 1000 < this.expiresAt - 1000)) {
      this.scheduleRefresh(state.expires);
    }
    if (this.phase === "subscribing") this.phase = "active";
    this.delegate.onAccepted(this, s === "pending");
    this.delegate.onNotify(this, notify);
  }

  // ─── requests ───────────────────────────────────────────────────────────────────────────────

  private sendInitial(): void {
    if (this.phase !== "queued") return;
    this.resetDialog();
    this.expires = this.initialExpires;
    this.callId = newCallId();
    this.fromTag = newTag();
    if (this.latestCallId) {
      const earlier = (this.earlierCallIds ??= []);
      if (earlier.length >= 19) earlier.shift();
      earlier.push(this.latestCallId);
    }
    this.latestCallId = this.callId;
    this.ctx.register(this.callId, this);
    this.phase = "subscribing";
    this.sendSubscribe(false);
  }

  /** In-dialog SUBSCRIBE: a refresh, or an unsubscribe with `expires` 0. */
  private sendInDialog(expires: number, closing = false): void {
    if (!closing) this.phase = "refreshing";
    this.sendSubscribe(true, expires);
  }

  private sendSubscribe(inDialog: boolean, expires = this.expires, challengeRound = 0): void {
    this.cseq++;
    const uri = inDialog ? this.remoteTarget : this.spec.target;
    const headers: [string, string][] = [];
    for (const r of inDialog ? this.routeSet : []) headers.push(["Route", r]);
    headers.push(
      ["Max-Forwards", "70"],
      ["From", `<${this.ctx.identity.aor}>;tag=${this.fromTag}`],
      ["To", inDialog && this.toTag ? `<${this.spec.target}>;tag=${this.toTag}` : `<${this.spec.target}>`],
      ["Call-ID", this.callId],
      ["CSeq", `${this.cseq} SUBSCRIBE`],
      ["Contact", this.ctx.identity.contact()],
      ["Event", this.spec.event],
      ["Expires", String(expires)],
      ["Accept", this.spec.accept],
      ["Allow", "NOTIFY, OPTIONS"],
    );
    if (this.spec.eventList) headers.push(["Supported", "eventlist"]);
    headers.push(["User-Agent", this.ctx.identity.userAgent]);
    headers.push(...this.ctx.auth.authorize({ method: "SUBSCRIBE", uri }));
    const sentHeaders: HeaderList = headers;
    const callId = this.callId;
    this.ctx.transactions.send(
      { method: "SUBSCRIBE", uri, headers: sentHeaders },
      {
        onFinal: (response) => {
          if (callId !== this.callId) return; // an answer for a dialog we already left
          this.delegate.onServerAnswer(response.status);
          this.onResponse(response, sentHeaders, inDialog, expires, challengeRound);
        },
        onTimeout: (reason) => {
          if (callId !== this.callId) return;
          this.delegate.onServerAnswer("timeout");
          if (this.phase === "closing") return;
          if (inDialog && this.phase === "refreshing" && this.remainingMs() > 10_000) {
            // A lost refresh is not a lost subscription: try again while time remains.
            this.phase = "active";
            this.timer = this.ctx.clock.setTimeout(() => this.sendInDialog(this.expires), 5_000);
            return;
          }
          this.fail({ status: "error", code: 0, reason: `no answer: ${reason}`, authRejected: false }, this.nextBackoff());
        },
      },
    );
  }

  /**
   * Sends a refused SUBSCRIBE again (after a 401/407 or 423). Out of dialog it takes a token of
   * the pacer, ahead of the waiting ones: the server's rate limit counts the re-send as a request
   * of its own, and at a cold start, before the first challenge is answered and the credentials
   * cached, every SUBSCRIBE is re-sent. Unpaced, those re-sends came on top of the paced rate and
   * pushed a hub pacing at 450/s over a server's 500/s limit (503s in the first second).
   */
  private resend(inDialog: boolean, expires: number, challengeRound: number): void {
    if (inDialog) return this.sendSubscribe(true, expires, challengeRound);
    const callId = this.callId;
    this.cancelQueue = this.ctx.pacer.acquire(
      () => {
        this.cancelQueue = null;
        // Restarted or stopped meanwhile: that dialog is gone, and a new one has its own turn.
        if (callId !== this.callId || this.phase !== "subscribing") return;
        this.sendSubscribe(false, expires, challengeRound);
      },
      { first: true },
    );
  }

  private onResponse(response: SipResponse, sent: HeaderList, inDialog: boolean, expires: number, challengeRound: number): void {
    const code = response.status;
    this.lastCode = code;
    this.lastReason = ownString(response.reason);
    if (this.phase === "closing") {
      if ((code === 401 || code === 407) && challengeRound < MAX_CHALLENGE_ROUNDS) {
        if (this.ctx.auth.handleChallenge(response, { headers: sent }).ok) this.sendSubscribe(true, 0, challengeRound + 1);
      }
      return;
    }
    if (code >= 200 && code < 300) return this.onAccepted(response, inDialog, expires);
    if (code === 401 || code === 407) {
      const outcome = this.ctx.auth.handleChallenge(response, { headers: sent });
      if (outcome.ok && challengeRound < MAX_CHALLENGE_ROUNDS) return this.resend(inDialog, expires, challengeRound + 1);
      const detail = outcome.ok ? "challenged again with fresh credentials" : outcome.detail;
      return this.fail({ status: "access-denied", code, reason: `${code} ${response.reason}: ${detail}`, authRejected: !outcome.ok ? outcome.reason === "rejected" : true }, REFUSED_RETRY_MS);
    }
    if (code === 423) {
      const min = response.minExpires;
      if (min !== undefined && min > this.expires && min <= 86_400) {
        this.expires = min;
        this.initialExpires = Math.max(this.initialExpires, min);
        return this.resend(inDialog, min, challengeRound);
      }
    }
    if (code === 489) {
      this.phase = "waiting";
      this.resetDialog();
      this.delegate.onBadEvent(this);
      return;
    }
    if (inDialog && (code === 481 || code === 404 || code === 410)) {
      // The server forgot the dialog (restart): start a fresh one at once (paced).
      this.resetDialog();
      this.phase = "idle";
      this.start();
      return;
    }
    const retryAfter = response.retryAfter?.seconds;
    if (code === 403) return this.fail({ status: "access-denied", code, reason: `${code} ${response.reason}`, authRejected: this.ctx.auth.cachedRealms.length > 0 }, REFUSED_RETRY_MS);
    if (REFUSED_CODES.has(code)) return this.fail({ status: "not-found", code, reason: `${code} ${response.reason}`, authRejected: false }, REFUSED_RETRY_MS);
    this.fail({ status: "error", code, reason: `${code} ${response.reason}`, authRejected: false }, this.retryDelay(retryAfter, () => this.nextBackoff()));
  }

  private onAccepted(response: SipResponse, inDialog: boolean, requested: number): void {
    if (requested === 0) return;
    let granted: number;
    try {
      granted = response.expires ?? requested;
    } catch {
      granted = requested;
    }
    if (granted <= 0) granted = requested;
    this.expires = Math.min(this.expires, granted) || granted;
    if (!this.dialogUp) {
      // 2xx before the first NOTIFY: take the route set from it (UAC view: reversed), wait for NOTIFY.
      this.toTag = response.toTag === undefined ? null : ownString(response.toTag);
      this.routeSet = [...response.recordRoutes].reverse().map(routeValue);
      this.updateTarget(response.contacts);
      this.armTimerN();
    }
    // No timer N after a refresh: RFC 6665 §4.1.2.4 starts it for the SUBSCRIBE that creates the
    // subscription, and notifiers such as Kamailio's RLS send no NOTIFY after a refresh; failing
    // the dialog then would drop and re-create a working subscription at every refresh.
    this.backoff = null;
    if (this.phase === "subscribing" || this.phase === "refreshing") this.phase = "active";
    this.scheduleRefresh(granted);
    if (!inDialog) this.delegate.onAccepted(this, false);
  }

  private onTerminated(reason: string | undefined, retryAfter: number | undefined): void {
    this.resetDialog();
    switch (reason) {
      case "deactivated":
      case "timeout":
        this.phase = "idle";
        this.start();
        return;
      case "rejected":
        return this.fail({ status: "access-denied", code: 0, reason: "subscription rejected by the server", authRejected: false }, this.retryDelay(retryAfter, () => REFUSED_RETRY_MS));
      case "noresource":
      case "invariant":
        return this.fail({ status: "not-found", code: 0, reason: `subscription terminated: ${reason}`, authRejected: false }, this.retryDelay(retryAfter, () => REFUSED_RETRY_MS));
      default:
        // probation, giveup, or no reason: come back after retry-after (seconds) or a backoff.
        return this.fail({ status: "error", code: 0, reason: `subscription terminated${reason ? `: ${reason}` : ""}`, authRejected: false }, this.retryDelay(retryAfter, () => this.nextBackoff()));
    }
  }

  /** The server's Retry-After (seconds) when it gave one, capped; else our own delay. */
  private retryDelay(retryAfterSeconds: number | undefined, otherwise: () => number): number {
    return retryAfterSeconds === undefined ? otherwise() : Math.min(retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS);
  }

  private fail(failure: Omit<SubscriptionFailure, "retryInMs">, retryInMs: number): void {
    this.resetDialog();
    this.phase = "waiting";
    this.clearTimer();
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = null;
      this.start();
    }, retryInMs);
    this.delegate.onFailure(this, { ...failure, retryInMs });
  }

  // ─── timers and dialog state ────────────────────────────────────────────────────────────────

  private scheduleRefresh(grantedSeconds: number): void {
    this.clearTimer();
    const at = Math.max(grantedSeconds / 2, grantedSeconds - REFRESH_MARGIN_S);
    this.expiresAt = this.ctx.clock.now() + grantedSeconds * 1000;
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = null;
      if (this.phase === "active") this.sendInDialog(this.expires);
    }, at * 1000);
  }

  private expiresAt = 0;

  /** The next retry delay (counts a failure). */
  private nextBackoff(): number {
    return (this.backoff ??= new Backoff()).next();
  }

  private remainingMs(): number {
    return this.expiresAt - this.ctx.clock.now();
  }

  /** Timer N: after a 2xx, a NOTIFY must follow within 64·T1, else the subscription is dead. */
  private armTimerN(): void {
    this.clearTimerN();
    this.timerN = this.ctx.clock.setTimeout(() => {
      this.timerN = null;
      this.fail({ status: "error", code: 0, reason: "no NOTIFY after the server accepted (timer N)", authRejected: false }, this.nextBackoff());
    }, this.ctx.timerNMs);
  }

  private updateTarget(contacts: readonly NameAddr[] | "*" | undefined): void {
    const uri = contacts && contacts !== "*" ? contacts[0]?.uri : undefined;
    // Compared first: nearly every NOTIFY repeats the Contact, and a copy per NOTIFY is hot-path work.
    if (uri !== undefined && uri !== this.remoteTarget) this.remoteTarget = ownString(uri);
  }

  private resetDialog(): void {
    this.clearTimerN();
    if (this.callId) this.ctx.unregister(this.callId, this);
    this.callId = "";
    this.expiresAt = 0;
    this.toTag = null;
    this.dialogUp = false;
    this.cseq = 0;
    this.remoteCseq = -1;
    this.routeSet = [];
    this.remoteTarget = this.spec.target;
  }

  private finish(): void {
    this.clearTimer();
    this.resetDialog();
    this.phase = "stopped";
  }

  private clearTimer(): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private clearTimerN(): void {
    if (this.timerN) this.ctx.clock.clearTimeout(this.timerN);
    this.timerN = null;
  }
}

/** A Record-Route value as a Route header value (URI and parameters such as `;lr` kept). */
function routeValue(rr: NameAddr): string {
  return ownString(formatNameAddr({ displayName: undefined, uri: rr.uri, params: rr.params }));
}

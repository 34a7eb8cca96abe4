/**
 * SIPp peers for interop tests against the Kamailio fixture (or any SIP server on loopback):
 *
 * - {@link startWatcher}: a SUBSCRIBE watcher (presence, dialog, winfo, RFC 4662 lists);
 * - {@link PresencePublisher} / {@link DialogPublisher}: PUBLISH a state now, another later,
 *   keeping the SIP-ETag in between (SIP-If-Match), refresh, unpublish;
 * - {@link registerPhone}, {@link startCallee}, {@link startCaller}, {@link placeCall}: a real
 *   call through the proxy, from which Kamailio's pua_dialoginfo publishes dialog states.
 *
 * Every SIPp run is bounded in time, uses the local port it is given, and leaves its rendered
 * scenario, message trace (`.msg`), log and errors in `traceDir`. Failures throw a
 * {@link SippError} with the trace tail.
 *
 * SIPp gotchas this module already handles (see the scenarios' comments): `[authentication]`
 * before a challenge aborts the call; an empty `-key` leaves an empty line that ends the
 * header block; timeouts cannot come from `-key`; a message arriving right after a recv jump
 * is matched against the jump target; the trace is flushed per message.
 */
import { KAMAILIO_ACCOUNTS, type SipAccount } from "./kamailio-db.js";
import {
  dialogInfoBody,
  pidfBody,
  PRESENCE_STATES,
  type DialogInfo,
  type PresenceDocument,
  type PresenceStateName,
} from "./sipp-bodies.js";
import { startSipp, type SippResult, type SippRun, type SippRunOptions } from "./sipp-process.js";
import { receivedRequests, sipHeader, type SipTraceMessage } from "./sipp-trace.js";

export * from "./sipp-bodies.js";
export * from "./sipp-process.js";
export * from "./sipp-trace.js";

/**
 * The server the peers talk to. A {@link KamailioInstance} fits as is (`{ server: kamailio }`);
 * any other server gives its domain and ports the same way.
 */
export interface SipServerRef {
  readonly domain: string;
  readonly ports: { readonly udp: number; readonly tcp: number };
}

/** What every SIPp peer needs. */
export interface SippPeerOptions {
  server: SipServerRef;
  /** Default udp. */
  transport?: "udp" | "tcp";
  /** Local SIP port of this peer (each concurrent peer its own). */
  localPort: number;
  /** The test's temp folder: scenarios and traces go there. */
  traceDir: string;
  /** Base name of the trace files. A default naming the peer is used otherwise. */
  name?: string;
  /** Bound for one SIPp run. Defaults per peer. */
  timeoutMs?: number;
}

function remoteOf(o: SippPeerOptions): { host: string; port: number } {
  const t = o.transport ?? "udp";
  return { host: o.server.domain, port: t === "tcp" ? o.server.ports.tcp : o.server.ports.udp };
}

/** `alice` from `alice`, `sip:alice@127.0.0.1` or `alice@127.0.0.1`. */
function userPart(target: string): string {
  return target.replace(/^sips?:/, "").split("@")[0] ?? target;
}

function common(o: SippPeerOptions, defaultName: string, defaultTimeout: number): Pick<SippRunOptions, "traceDir" | "name" | "remote" | "transport" | "localPort" | "timeoutMs"> {
  return {
    traceDir: o.traceDir,
    name: o.name ?? defaultName,
    remote: remoteOf(o),
    transport: o.transport ?? "udp",
    localPort: o.localPort,
    timeoutMs: o.timeoutMs ?? defaultTimeout,
  };
}

const extra = (headers: readonly string[] | undefined): string => (headers ?? []).map((h) => `\r\n${h}`).join("");

// ---------------------------------------------------------------- watcher

/** Options of {@link startWatcher}. */
export interface WatcherOptions extends SippPeerOptions {
  /** Presentity or list: `alice`, `sip:alice@127.0.0.1`, `KAMAILIO_LISTS.presence`. */
  target: string;
  /** Event package. Default `presence`. */
  event?: string;
  /** Who subscribes. Default the `hub` account. */
  account?: SipAccount;
  /** Expires of SUBSCRIBE and refresh. Default 600. */
  expires?: number;
  /** RFC 4662: `Supported: eventlist` and an Accept with RLMI and multipart/related. */
  eventList?: boolean;
  /** Accept header. Default derived from the event (and eventList). */
  accept?: string;
  /** After this long without a NOTIFY: refresh (once, if `refresh`) or unsubscribe. Default 2000 ms. */
  idleMs?: number;
  /** How long to wait for the final NOTIFY after unsubscribing. Default 1000 ms. */
  finalWaitMs?: number;
  /** Refresh the subscription once (in-dialog SUBSCRIBE) before unsubscribing. Default false. */
  refresh?: boolean;
  /** More header lines for every SUBSCRIBE, e.g. `["X-Test: 1"]`. */
  extraHeaders?: readonly string[];
}

const ACCEPT: Record<string, string> = {
  presence: "application/pidf+xml",
  dialog: "application/dialog-info+xml",
  "presence.winfo": "application/watcherinfo+xml",
};

/** A running SIPp watcher. */
export interface Watcher {
  /** The SIPp run (trace files, stop(), finished()). */
  readonly run: SippRun;
  /** NOTIFYs received so far, in order. */
  notifies(): SipTraceMessage[];
  /**
   * Resolves with the first NOTIFY received so far or later that satisfies `predicate`;
   * rejects after `timeoutMs` (with the trace tail).
   */
  waitForNotify(predicate: (notify: SipTraceMessage) => boolean, timeoutMs?: number, what?: string): Promise<SipTraceMessage>;
  /** Resolves when the watcher has unsubscribed and ended (exit code 0), else rejects. */
  finished(): Promise<SippResult>;
}

/**
 * Starts a SUBSCRIBE watcher: subscribes (answering 401/407), answers every NOTIFY, and
 * unsubscribes after `idleMs` without NOTIFY. Default bound 60 s.
 */
export async function startWatcher(o: WatcherOptions): Promise<Watcher> {
  const event = o.event ?? "presence";
  const account = o.account ?? KAMAILIO_ACCOUNTS.hub;
  const service = userPart(o.target);
  const remote = remoteOf(o);
  const baseAccept = o.accept ?? ACCEPT[event] ?? "application/pidf+xml";
  const accept = o.eventList && o.accept === undefined ? `${baseAccept}, application/rlmi+xml, multipart/related` : baseAccept;
  const headers = [...(o.eventList ? ["Supported: eventlist"] : []), ...(o.extraHeaders ?? [])];
  const run = await startSipp({
    ...common(o, `watch-${account.username}-${service}-${event}`, 60_000),
    scenario: "subscribe.xml",
    template: { IDLE_MS: o.idleMs ?? 2000, FINAL_MS: o.finalWaitMs ?? 1000 },
    service,
    auth: { username: account.username, password: account.password, uri: `${service}@${o.server.domain}:${remote.port}` },
    keys: {
      wuser: account.username,
      event,
      accept,
      expires: o.expires ?? 600,
      refresh: o.refresh ? "yes" : "no",
      extra_headers: extra(headers),
    },
  });
  return {
    run,
    notifies: () => receivedRequests(run.messages(), "NOTIFY"),
    async waitForNotify(predicate, timeoutMs = 10_000, what = "matching NOTIFY") {
      const msgs = await run.waitFor((m) => receivedRequests(m, "NOTIFY").some(predicate), timeoutMs, what);
      return receivedRequests(msgs, "NOTIFY").find(predicate) as SipTraceMessage;
    },
    finished: () => run.finished(),
  };
}

/** The Subscription-State value of a NOTIFY (e.g. `active;expires=599`), or "". */
export function subscriptionState(notify: SipTraceMessage): string {
  return sipHeader(notify, "Subscription-State") ?? "";
}

// ---------------------------------------------------------------- publishers

/** Outcome of one PUBLISH. */
export interface PublishResult {
  /** Final status: 200 (any other answer throws). */
  readonly status: number;
  /** SIP-ETag of the 200 OK (undefined after an unpublish). */
  readonly etag: string | undefined;
  /** The SIPp run(s) of this publish: two when a 412 made it start afresh. */
  readonly runs: readonly SippResult[];
}

/** Options of the publishers. */
export interface PublisherOptions extends SippPeerOptions {
  /** The presentity, publishing for itself (digest with its own credentials). */
  account: SipAccount;
  /** Expires of each PUBLISH. Default 3600. */
  expires?: number;
}

/**
 * Common PUBLISH mechanics (RFC 3903): the first PUBLISH creates the publication, later
 * ones modify it with `SIP-If-Match: <etag>`; a 412 (the server lost it, e.g. restart) makes
 * it publish afresh once.
 */
abstract class SippPublisher {
  private currentEtag: string | undefined;
  private count = 0;
  protected readonly o: PublisherOptions;
  protected abstract readonly event: string;
  protected abstract readonly contentType: string;

  constructor(o: PublisherOptions) {
    this.o = o;
  }

  /** SIP-ETag of the current publication, if any. */
  get etag(): string | undefined {
    return this.currentEtag;
  }

  /** `sip:USER@DOMAIN` of the presentity. */
  get entity(): string {
    return `sip:${this.o.account.username}@${this.o.server.domain}`;
  }

  /** Refreshes the publication (no body, SIP-If-Match). */
  async refresh(): Promise<PublishResult> {
    if (this.currentEtag === undefined) throw new Error(`${this.entity}: nothing published, nothing to refresh`);
    return this.send(undefined, this.o.expires ?? 3600);
  }

  /** Removes the publication (Expires: 0). */
  async unpublish(): Promise<PublishResult> {
    if (this.currentEtag === undefined) throw new Error(`${this.entity}: nothing published, nothing to remove`);
    const r = await this.send(undefined, 0);
    this.currentEtag = undefined;
    return r;
  }

  protected async send(body: string | undefined, expires: number): Promise<PublishResult> {
    const runs: SippResult[] = [];
    let etag = this.currentEtag;
    for (;;) {
      const r = await this.once(body, expires, etag);
      runs.push(r);
      const status = finalStatus(r);
      if (status === 412 && etag !== undefined && body !== undefined) {
        etag = undefined; // publication unknown to the server: start a new one
        continue;
      }
      if (status !== 200) {
        throw new Error(`PUBLISH ${this.event} for ${this.entity} got ${status ?? "no final answer"}; trace ${r.files.messages}`);
      }
      const newTag = r.messages.filter((m) => m.direction === "received" && m.status === 200).map((m) => sipHeader(m, "SIP-ETag")).pop();
      this.currentEtag = expires === 0 ? undefined : newTag;
      return { status, etag: this.currentEtag, runs };
    }
  }

  private async once(body: string | undefined, expires: number, etag: string | undefined): Promise<SippResult> {
    this.count += 1;
    const user = this.o.account.username;
    const remote = remoteOf(this.o);
    const run = await startSipp({
      ...common(this.o, "", 15_000),
      // one trace per PUBLISH: publish-alice-presence-1, -2, ...
      name: `${this.o.name ?? `publish-${user}-${this.event}`}-${this.count}`,
      scenario: "publish.xml",
      service: user,
      auth: { username: user, password: this.o.account.password, uri: `${user}@${this.o.server.domain}:${remote.port}` },
      keys: {
        event: this.event,
        content_type: this.contentType,
        body: body ?? "",
        with_body: body === undefined ? "no" : "yes",
        expires,
        extra_headers: extra(etag === undefined ? [] : [`SIP-If-Match: ${etag}`]),
      },
    });
    return run.finished();
  }
}

function finalStatus(r: SippResult): number | undefined {
  return r.messages.filter((m) => m.direction === "received" && m.status !== undefined && m.status >= 200).pop()?.status;
}

/** PUBLISHes presence (PIDF + RPID) for one presentity. */
export class PresencePublisher extends SippPublisher {
  protected readonly event = "presence";
  protected readonly contentType = "application/pidf+xml";

  /** Publishes a preset state (optionally with another note) or a custom document. */
  async publish(state: PresenceStateName | PresenceDocument, options: { note?: string } = {}): Promise<PublishResult> {
    const doc = typeof state === "string" ? PRESENCE_STATES[state] : state;
    const withNote = options.note === undefined ? doc : { ...doc, note: options.note };
    return this.send(pidfBody(this.entity, withNote), this.o.expires ?? 3600);
  }

  /** Publishes the states one after the other, `gapMs` apart (default 300 ms). */
  async sequence(states: ReadonlyArray<PresenceStateName | PresenceDocument>, gapMs = 300): Promise<PublishResult[]> {
    const out: PublishResult[] = [];
    for (const [i, s] of states.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      out.push(await this.publish(s));
    }
    return out;
  }
}

/** PUBLISHes dialog-info (RFC 4235) for one presentity. */
export class DialogPublisher extends SippPublisher {
  protected readonly event = "dialog";
  protected readonly contentType = "application/dialog-info+xml";
  private version = 0;

  /** Publishes one dialog in the given state (a full-state document, version counting up). */
  async publish(dialog: DialogInfo): Promise<PublishResult> {
    this.version += 1;
    return this.send(dialogInfoBody(this.entity, this.version, dialog), this.o.expires ?? 3600);
  }
}

// ---------------------------------------------------------------- calls

/** Options of {@link registerPhone}. */
export interface RegisterOptions extends SippPeerOptions {
  account: SipAccount;
  /** Port of the Contact registered (where the callee SIPp listens). */
  contactPort: number;
  /** Registration lifetime; 0 unregisters. Default 300. */
  expires?: number;
}

/** REGISTERs `account` with Contact 127.0.0.1:contactPort. */
export async function registerPhone(o: RegisterOptions): Promise<SippResult> {
  const user = o.account.username;
  const run = await startSipp({
    ...common(o, `register-${user}`, 15_000),
    scenario: "register.xml",
    service: user,
    auth: { username: user, password: o.account.password, uri: `${o.server.domain}:${remoteOf(o).port}` },
    keys: { contact_port: o.contactPort, expires: o.expires ?? 300 },
  });
  return run.finished();
}

/** Options of {@link startCallee}. */
export interface CalleeOptions extends SippPeerOptions {
  account: SipAccount;
  /** Ringing time before answering. Default 1000 ms. */
  ringMs?: number;
  /** Longest wait for the BYE after answering. Default 30000 ms. */
  maxCallMs?: number;
}

/** Starts a phone that answers one call on `localPort` (register that port first). */
export async function startCallee(o: CalleeOptions): Promise<SippRun> {
  const { remote: _unused, ...rest } = common(o, `callee-${o.account.username}`, 60_000);
  return startSipp({
    ...rest,
    scenario: "callee.xml",
    template: { RING_MS: o.ringMs ?? 1000, CALL_MS: o.maxCallMs ?? 30_000 },
    service: o.account.username,
  });
}

/** Options of {@link startCaller}. */
export interface CallerOptions extends SippPeerOptions {
  caller: SipAccount;
  /** Callee user (or URI). */
  callee: string;
  /** Time between ACK and BYE. Default 2000 ms. */
  talkMs?: number;
}

/** Starts a phone that calls `callee` through the server, talks `talkMs`, hangs up. */
export async function startCaller(o: CallerOptions): Promise<SippRun> {
  const callee = userPart(o.callee);
  const remote = remoteOf(o);
  return startSipp({
    ...common(o, `call-${o.caller.username}-${callee}`, 60_000),
    scenario: "caller.xml",
    template: { TALK_MS: o.talkMs ?? 2000 },
    service: callee,
    auth: { username: o.caller.username, password: o.caller.password, uri: `${callee}@${o.server.domain}:${remote.port}` },
    keys: { caller: o.caller.username },
  });
}

/** Options of {@link placeCall}. */
export interface PlaceCallOptions extends Omit<SippPeerOptions, "localPort" | "name"> {
  caller: SipAccount;
  callee: SipAccount;
  /** Local ports: caller, callee (registered Contact) and the REGISTER run. */
  ports: { caller: number; callee: number; register: number };
  ringMs?: number;
  talkMs?: number;
}

/** Outcome of {@link placeCall}. */
export interface CallResult {
  readonly caller: SippResult;
  readonly callee: SippResult;
}

/**
 * A real call through the server: registers the callee, starts it, lets the caller call,
 * ring (`ringMs`), talk (`talkMs`) and hang up, then unregisters the callee.
 */
export async function placeCall(o: PlaceCallOptions): Promise<CallResult> {
  const base = { server: o.server, transport: o.transport ?? "udp", traceDir: o.traceDir } as const;
  await registerPhone({ ...base, localPort: o.ports.register, account: o.callee, contactPort: o.ports.callee });
  const callee = await startCallee({ ...base, localPort: o.ports.callee, account: o.callee, ...(o.ringMs !== undefined ? { ringMs: o.ringMs } : {}) });
  let caller: SippRun | undefined;
  try {
    caller = await startCaller({ ...base, localPort: o.ports.caller, caller: o.caller, callee: o.callee.username, ...(o.talkMs !== undefined ? { talkMs: o.talkMs } : {}) });
    const [c, e] = await Promise.all([caller.finished(), callee.finished()]);
    return { caller: c, callee: e };
  } finally {
    if (!callee.finishedYet) await callee.stop();
    if (caller && !caller.finishedYet) await caller.stop();
    await registerPhone({ ...base, localPort: o.ports.register, account: o.callee, contactPort: o.ports.callee, expires: 0 }).catch(() => undefined);
  }
}


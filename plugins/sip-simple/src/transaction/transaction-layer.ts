import type { Clock, TimerHandle } from "@presence-hub/core";
import {
  createResponse,
  newBranch,
  newTag,
  parseMessage,
  serializeRequest,
  serializeResponse,
  type HeaderList,
  type ResponseOptions,
  type SipParseError,
  type SipRequest,
  type SipResponse,
} from "../wire/index.js";
import { viaTransport, type Remote, type SipTransport } from "../transport/sip-transport.js";
import type { MessageTrace } from "./message-trace.js";
import { RFC3261_TIMERS, type TransactionTimers } from "./transaction-timers.js";

/** A request the transaction layer sends: everything but the top Via, which it adds. */
export interface RequestToSend {
  readonly method: string;
  readonly uri: string;
  readonly headers: HeaderList;
  readonly body?: Buffer | string;
}

/** What the sender of a request hears back. Exactly one of `onFinal`/`onTimeout` is called. */
export interface ClientTransactionHandler {
  onProvisional?(response: SipResponse): void;
  onFinal(response: SipResponse): void;
  /** Timer F fired (no final response in 64·T1), or the transport could not send. */
  onTimeout(reason: string): void;
}

/** Answers a received request (once; later calls are ignored). */
export type Responder = (status: number, options?: ResponseOptions) => void;

/** The transaction user: gets each new request once, never its retransmissions. */
export interface RequestHandler {
  onRequest(request: SipRequest, respond: Responder, remote: Remote): void;
  /** A message that did not parse (already counted, and answered 400 where possible). */
  onMalformed?(error: SipParseError, remote: Remote): void;
}

/** Counters the connector exposes (metrics). */
export interface TransactionStats {
  received: number;
  sent: number;
  retransmissions: number;
  absorbedRetransmissions: number;
  timeouts: number;
  parseErrors: Record<string, number>;
  strayResponses: number;
  /** Requests whose handler threw (answered 500). */
  handlerErrors: number;
}

interface ClientTransaction {
  readonly key: string;
  readonly data: Buffer;
  readonly handler: ClientTransactionHandler;
  readonly started: number;
  interval: number;
  retransmit: TimerHandle | null;
  timeout: TimerHandle | null;
  completed: boolean;
}

interface ServerEntry {
  /**
   * How the request was answered, null until the handler answers. A retransmission is answered by
   * building the response again from it (the same request and options give the same bytes: a
   * generated To tag is fixed here): keeping every response's bytes for 64·T1 meant about 600
   * bytes per NOTIFY in the heap, 180 MB at 10,000 NOTIFYs per second, all of it copied by the
   * young-generation GC before it could be promoted.
   */
  answer: { readonly status: number; readonly options: ResponseOptions | undefined } | null;
  /** When the entry is forgotten (clock ms): 64·T1 after arrival, then 64·T1 after the answer (timer J). */
  expiresAt: number;
}

/**
 * Non-INVITE transactions (RFC 3261 §17.1.2, §17.2.2) over one transport, the part sip.js lacks:
 *
 * - client: timer E retransmits on UDP (T1 doubling to T2; T2 once a provisional came), timer F
 *   gives up after 64·T1, timer K (T4) absorbs retransmitted finals; on TCP/TLS only timer F;
 * - server: a request's final response is cached for 64·T1 on UDP (timer J) and re-sent for each
 *   retransmission, which never reaches the transaction user again.
 *
 * Malformed datagrams are counted and, where RFC 4475 allows, answered 400; they never throw.
 * All timers run on the injected clock.
 */
export class TransactionLayer {
  readonly stats: TransactionStats = { received: 0, sent: 0, retransmissions: 0, absorbedRetransmissions: 0, timeouts: 0, parseErrors: {}, strayResponses: 0, handlerErrors: 0 };
  private readonly client = new Map<string, ClientTransaction>();
  /**
   * Server entries in expiry order (every entry lives 64·T1 from its last touch, and a touch
   * re-inserts it at the end), swept by one timer. A timer per entry cost two timer objects per
   * NOTIFY and kept hundreds of thousands of them alive at 10,000 NOTIFYs per second.
   */
  private readonly server = new Map<string, ServerEntry>();
  private sweeper: TimerHandle | null = null;

  constructor(
    private readonly transport: SipTransport,
    private readonly clock: Clock,
    private readonly handler: RequestHandler,
    private readonly trace: MessageTrace,
    private readonly timers: TransactionTimers = RFC3261_TIMERS,
  ) {}

  /** Sends a request in a new client transaction; returns its branch. */
  send(request: RequestToSend, handler: ClientTransactionHandler): string {
    const branch = newBranch();
    const local = this.transport.local;
    const host = local.address.includes(":") ? `[${local.address}]` : local.address;
    const via = `SIP/2.0/${viaTransport(this.transport.protocol)} ${host}:${local.port};branch=${branch}${this.transport.reliable ? "" : ";rport"}`;
    const data = serializeRequest({ method: request.method, uri: request.uri, headers: [["Via", via], ...request.headers], body: request.body });
    const key = `${branch}|${request.method}`;
    const tx: ClientTransaction = { key, data, handler, started: this.clock.now(), interval: this.timers.t1, retransmit: null, timeout: null, completed: false };
    this.client.set(key, tx);
    tx.timeout = this.clock.setTimeout(() => this.expire(tx, `no final response within ${(64 * this.timers.t1) / 1000} s`), 64 * this.timers.t1);
    if (!this.transmit(tx.data)) {
      this.expire(tx, "transport is not open");
      return branch;
    }
    if (!this.transport.reliable) this.armRetransmit(tx);
    return branch;
  }

  /** Feeds one received message (a datagram or a framed stream message). */
  receive(data: Buffer, remote: Remote): void {
    // RFC 5626 keep-alives over UDP (CRLFCRLF, or a lone CRLF pong): not messages, not errors.
    if (data.length <= 4 && /^(\r\n)+$/.test(data.toString("latin1"))) return;
    this.stats.received++;
    this.trace.record("in", data, remote, this.clock.now());
    const parsed = parseMessage(data);
    if (!parsed.ok) return this.refuse(parsed.error, remote);
    const message = parsed.message;
    if (message.kind === "response") this.onResponse(message);
    else this.onRequest(message, remote);
  }

  /** Stops every timer and forgets every transaction (transport closed); pending senders time out. */
  abortAll(reason: string): void {
    for (const tx of [...this.client.values()]) this.expire(tx, reason);
    if (this.sweeper) this.clock.clearTimeout(this.sweeper);
    this.sweeper = null;
    this.server.clear();
  }

  /** Client transactions still waiting for a final response. */
  get pending(): number {
    let n = 0;
    for (const tx of this.client.values()) if (!tx.completed) n++;
    return n;
  }

  private onResponse(response: SipResponse): void {
    const branch = response.topVia.branch;
    const tx = branch ? this.client.get(`${branch}|${response.cseq.method}`) : undefined;
    if (!tx) {
      this.stats.strayResponses++;
      return;
    }
    if (tx.completed) {
      this.stats.absorbedRetransmissions++;
      return;
    }
    if (response.status < 200) {
      // Proceeding: keep retransmitting, at T2 (RFC 3261 §17.1.2.2).
      tx.interval = this.timers.t2;
      tx.handler.onProvisional?.(response);
      return;
    }
    tx.completed = true;
    this.clearTimers(tx);
    if (this.transport.reliable) this.client.delete(tx.key);
    else tx.timeout = this.clock.setTimeout(() => this.client.delete(tx.key), this.timers.t4); // timer K
    tx.handler.onFinal(response);
  }

  private onRequest(request: SipRequest, remote: Remote): void {
    const via = request.topVia;
    const key = `${via.branch ?? ""}|${via.host}:${via.port ?? ""}|${request.method === "ACK" ? "INVITE" : request.method}`;
    const known = this.server.get(key);
    if (known) {
      this.stats.absorbedRetransmissions++;
      if (known.answer) this.reply(serializeResponse(createResponse(request, known.answer.status, known.answer.options)), remote);
      return;
    }
    // Forgotten after 64·T1 even if never answered, so the cache cannot grow without bound.
    const entry: ServerEntry = { answer: null, expiresAt: this.clock.now() + 64 * this.timers.t1 };
    if (!this.transport.reliable && via.branch) {
      this.server.set(key, entry);
      this.armSweeper();
    }
    let answered = false;
    const respond: Responder = (status, options) => {
      if (answered) return;
      answered = true;
      // A To tag the response adds is chosen here, so a rebuilt answer to a retransmission carries it too.
      const fixed = status > 100 && request.toTag === undefined && options?.toTag === undefined ? { ...options, toTag: newTag() } : options;
      const data = serializeResponse(createResponse(request, status, fixed));
      if (this.server.get(key) === entry) {
        entry.answer = { status, options: fixed };
        // Timer J: 64·T1 from the answer; moved to the end to keep the map in expiry order.
        entry.expiresAt = this.clock.now() + 64 * this.timers.t1;
        this.server.delete(key);
        this.server.set(key, entry);
        this.armSweeper();
      }
      this.reply(data, remote);
    };
    if (request.method === "ACK") return; // no response to ACK; we never send INVITEs
    try {
      this.handler.onRequest(request, respond, remote);
    } catch {
      // A bug or an unexpected header in the transaction user must not escape into the socket's
      // event handler (that would take the whole process down): answer 500, count it.
      this.stats.handlerErrors++;
      respond(500, { reason: "Server Internal Error" });
    }
  }

  /** Arms the one timer that forgets server entries, for the oldest entry's expiry. */
  private armSweeper(): void {
    if (this.sweeper) return;
    const first = this.server.values().next();
    if (first.done) return;
    const lifetime = 64 * this.timers.t1;
    this.sweeper = this.clock.setTimeout(() => {
      this.sweeper = null;
      const now = this.clock.now();
      for (const [key, entry] of this.server) {
        // More than a lifetime left means the wall clock stepped back since it was stored: due too.
        if (entry.expiresAt > now && entry.expiresAt - now <= lifetime) break;
        this.server.delete(key);
      }
      this.armSweeper();
    }, Math.min(lifetime, Math.max(0, first.value.expiresAt - this.clock.now())));
  }

  private refuse(error: SipParseError, remote: Remote): void {
    this.stats.parseErrors[error.code] = (this.stats.parseErrors[error.code] ?? 0) + 1;
    this.handler.onMalformed?.(error, remote);
    const head = error.request;
    if (!head || !error.canRespond) return;
    this.reply(serializeResponse(createResponse(head, error.status, { reason: error.reason })), remote);
  }

  private transmit(data: Buffer): boolean {
    const ok = this.transport.send(data);
    if (ok) {
      this.stats.sent++;
      this.trace.record("out", data, this.serverRemote(), this.clock.now());
    }
    return ok;
  }

  private reply(data: Buffer, remote: Remote): void {
    if (this.transport.reply(data, remote)) {
      this.stats.sent++;
      this.trace.record("out", data, remote, this.clock.now());
    }
  }

  private armRetransmit(tx: ClientTransaction): void {
    tx.retransmit = this.clock.setTimeout(() => {
      if (tx.completed) return;
      this.stats.retransmissions++;
      this.transmit(tx.data);
      tx.interval = Math.min(tx.interval * 2, this.timers.t2);
      this.armRetransmit(tx);
    }, tx.interval);
  }

  private expire(tx: ClientTransaction, reason: string): void {
    if (tx.completed) {
      // Waiting out timer K (abortAll): drop the timer with the transaction.
      this.clearTimers(tx);
      this.client.delete(tx.key);
      return;
    }
    tx.completed = true;
    this.clearTimers(tx);
    this.client.delete(tx.key);
    this.stats.timeouts++;
    tx.handler.onTimeout(reason);
  }

  private clearTimers(tx: ClientTransaction): void {
    if (tx.retransmit) this.clock.clearTimeout(tx.retransmit);
    if (tx.timeout) this.clock.clearTimeout(tx.timeout);
    tx.retransmit = null;
    tx.timeout = null;
  }

  private serverRemote(): Remote {
    return this.transport.remote;
  }
}

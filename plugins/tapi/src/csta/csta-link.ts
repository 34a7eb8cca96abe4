import { createConnection, type Socket } from "node:net";
import { XmlError, type Clock, type Logger, type TimerHandle } from "@presence-hub/core";
import type { CtiLink, CtiLinkDelegate, MonitorHandle } from "../link/cti-link.js";
import type { SnapshotPart } from "../link/device-event.js";
import { DeviceRequestError, LinkOpenError } from "../link/link-errors.js";
import { RateLimitedLog } from "../rate-limited-log.js";
import { describeCstaError } from "./csta-error-code.js";
import { translateEvent } from "./csta-events.js";
import { encodeFrame, FrameDecoder, FramingError, type CstaFraming, type CstaFrame } from "./csta-framing.js";
import { decodeIncoming, type CstaIncoming, type CstaResponseType } from "./csta-messages.js";
import * as requests from "./csta-requests.js";
import { PendingRequests } from "./pending-requests.js";

/** Everything a CSTA link needs; built by the connector from its settings. */
export interface CstaLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly framing: CstaFraming;
  /** The ECMA-323 namespace requests are sent in. */
  readonly namespace: string;
  /** Log in with an ECMA-354 application session; none when the server needs no login. */
  readonly login?: requests.SessionRequest;
  /** How long to wait for any answer (login, monitor, snapshot, keep-alive). */
  readonly requestTimeoutMs: number;
  /** Interval of the RequestSystemStatus keep-alive; 0 disables it. */
  readonly keepAliveMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Receives every message exchanged (passwords redacted), for the diagnostics trace. */
  readonly trace?: (entry: LinkTraceEntry) => void;
}

/** One message in the trace. */
export interface LinkTraceEntry {
  readonly at: number;
  readonly direction: "in" | "out";
  readonly text: string;
  /** The device the message is about, when known. */
  readonly device?: string;
}

/** Counters of one link, for diagnostics (`cti.*`). */
export interface LinkCounters {
  framesIn: number;
  framesOut: number;
  malformed: number;
  unknown: number;
  unmatchedEvents: number;
  strayResponses: number;
  timeouts: number;
}

type LinkState = "new" | "opening" | "open" | "closing" | "down" | "closed";

const TRACE_CHARS = 8 * 1024;

/**
 * A CTI link speaking CSTA Phase III XML (ECMA-323) over TCP, with an optional ECMA-354
 * application session. Requests carry invoke ids (or are matched in order with NUL framing),
 * each with a timeout; RequestSystemStatus is the keep-alive and an unanswered one drops the
 * link; SystemStatus from the switch is acknowledged. Malformed and unknown messages are
 * counted, logged (rate-limited) and skipped: one bad event never costs the link. Only an
 * unreadable stream (a length header that makes no sense) does, since nothing after it can be
 * trusted.
 */
export class CstaLink implements CtiLink {
  readonly counters: LinkCounters = { framesIn: 0, framesOut: 0, malformed: 0, unknown: 0, unmatchedEvents: 0, strayResponses: 0, timeouts: 0 };
  private state: LinkState = "new";
  private socket: Socket | null = null;
  private readonly decoder: FrameDecoder;
  private readonly pending: PendingRequests;
  /** monitorCrossRefID → device. */
  private readonly monitors = new Map<string, string>();
  private sessionId: string | null = null;
  private sessionSeconds = 0;
  private keepAliveTimer: TimerHandle | null = null;
  private sessionTimer: TimerHandle | null = null;
  private readonly badInput: RateLimitedLog;
  private readonly unknownInput: RateLimitedLog;

  constructor(
    private readonly options: CstaLinkOptions,
    private readonly delegate: CtiLinkDelegate,
  ) {
    this.decoder = new FrameDecoder(options.framing);
    this.pending = new PendingRequests(options.framing === "length-header");
    const now = () => options.clock.now();
    this.badInput = new RateLimitedLog(options.logger, "warn", now);
    this.unknownInput = new RateLimitedLog(options.logger, "info", now);
  }

  get description(): string {
    const o = this.options;
    return `connected to ${o.host}:${o.port} (CSTA XML, ${o.framing}${this.sessionId ? `, session ${this.sessionId}` : ""})`;
  }

  async open(): Promise<void> {
    if (this.state !== "new") throw new Error("a CSTA link is opened once");
    this.state = "opening";
    await this.connect();
    if (this.options.login) {
      try {
        await this.startSession(this.options.login);
      } catch (e) {
        this.teardown();
        throw e;
      }
    }
    if (this.state !== "opening") throw new LinkOpenError("unreachable", "connection lost while logging in");
    this.state = "open";
    this.scheduleKeepAlive();
    this.scheduleSessionRefresh();
  }

  async close(): Promise<void> {
    if (this.state === "closed" || this.state === "closing") return;
    const polite = this.state === "open" && this.sessionId !== null;
    this.state = "closing";
    this.clearTimers();
    if (polite) {
      // End the session so the switch frees its monitors now, not when the session times out.
      await this.request("StopApplicationSession", requests.stopApplicationSession(this.sessionId!), ["StopApplicationSessionPosResponse"], () => undefined, undefined, Math.min(this.options.requestTimeoutMs, 1000)).catch(() => undefined);
    }
    this.state = "closed";
    this.pending.failAll(new DeviceRequestError("error", "CTI link closed", "link-down"));
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = this.options.clock.setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.once("close", () => {
        this.options.clock.clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  async monitor(device: string): Promise<MonitorHandle> {
    return this.request("MonitorStart", requests.monitorStart(this.options.namespace, device), ["MonitorStartResponse"], (m) => {
      const msg = expect(m, "MonitorStartResponse", "MonitorStart");
      // Registered synchronously: events for this monitor may follow in the same TCP chunk.
      this.monitors.set(msg.crossRefId, device);
      return { device, id: msg.crossRefId };
    }, device);
  }

  async unmonitor(handle: MonitorHandle): Promise<void> {
    if (!this.monitors.delete(handle.id) || this.state !== "open") return;
    await this.request("MonitorStop", requests.monitorStop(this.options.namespace, handle.id), ["MonitorStopResponse"], (m) => void expect(m, "MonitorStopResponse", "MonitorStop"), handle.device).catch((e: Error) =>
      this.options.logger.debug({ device: handle.device, reason: e.message }, "MonitorStop failed; the monitor is dropped anyway"),
    );
  }

  async snapshot(device: string, apply: (part: SnapshotPart) => void): Promise<void> {
    const ns = this.options.namespace;
    const calls = this.request("SnapshotDevice", requests.snapshotDevice(ns, device), ["SnapshotDeviceResponse"], (m) => apply({ kind: "calls", calls: expect(m, "SnapshotDeviceResponse", "SnapshotDevice").calls }), device);
    const dnd = this.request("GetDoNotDisturb", requests.getDoNotDisturb(ns, device), ["GetDoNotDisturbResponse"], (m) => apply({ kind: "dnd", on: expect(m, "GetDoNotDisturbResponse", "GetDoNotDisturb").on }), device);
    const forwarding = this.request("GetForwarding", requests.getForwarding(ns, device), ["GetForwardingResponse"], (m) => apply({ kind: "forwarding", settings: expect(m, "GetForwardingResponse", "GetForwarding").settings }), device);
    // Not every switch offers every snapshot: a refused part is skipped (events still update
    // it), but a device the switch does not know, or a link that went away, fails the snapshot.
    const optional = (what: string, strict: boolean) => (e: unknown) => {
      if (e instanceof DeviceRequestError && (e.linkDown || (strict && (e.status !== "error" || e.failure === "timeout")))) throw e;
      this.options.logger.debug({ device, reason: (e as Error).message }, `${what} not available; relying on events`);
    };
    await Promise.all([calls.catch(optional("SnapshotDevice", true)), dnd.catch(optional("GetDoNotDisturb", false)), forwarding.catch(optional("GetForwarding", false))]);
  }

  // ─── connection ───────────────────────────────────────────────────────────────────────────

  private connect(): Promise<void> {
    const { host, port, clock } = this.options;
    return new Promise<void>((resolve, reject) => {
      const socket = createConnection({ host, port });
      this.socket = socket;
      let connected = false;
      const timer = clock.setTimeout(() => {
        socket.destroy();
        reject(new LinkOpenError("unreachable", `no TCP connection to ${host}:${port} within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      socket.once("connect", () => {
        connected = true;
        clock.clearTimeout(timer);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        resolve();
      });
      socket.on("data", (chunk: Buffer) => this.onData(chunk));
      socket.on("error", (e: Error) => {
        clock.clearTimeout(timer);
        if (!connected) reject(new LinkOpenError("unreachable", `cannot connect to ${host}:${port}: ${e.message}`));
        this.lost(e.message);
      });
      socket.on("close", () => {
        clock.clearTimeout(timer);
        if (!connected) reject(new LinkOpenError("unreachable", `connection to ${host}:${port} closed before it was established`));
        this.lost("connection closed by the server");
      });
    });
  }

  private get connectTimeoutMs(): number {
    return Math.max(this.options.requestTimeoutMs, 5_000);
  }

  private async startSession(login: requests.SessionRequest): Promise<void> {
    let answer: CstaIncoming;
    try {
      answer = await this.request("StartApplicationSession", requests.startApplicationSession(login), ["StartApplicationSessionPosResponse", "StartApplicationSessionNegResponse"], (m) => m);
    } catch (e) {
      const reason = (e as Error).message;
      throw new LinkOpenError("unreachable", e instanceof DeviceRequestError && e.failure === "timeout" ? `no answer to StartApplicationSession (is this a CSTA XML port, and is the framing right?)` : reason);
    }
    if (answer.type === "StartApplicationSessionPosResponse") {
      this.sessionId = answer.sessionId;
      this.sessionSeconds = answer.durationSeconds ?? login.durationSeconds;
      return;
    }
    if (answer.type === "StartApplicationSessionNegResponse") throw new LinkOpenError("forbidden", `login refused: ${answer.reason}`);
    if (answer.type === "CSTAErrorCode") {
      throw new LinkOpenError(answer.error.status === "access-denied" ? "forbidden" : "protocol", `login refused: ${describeCstaError(answer.error)}`);
    }
    throw new LinkOpenError("protocol", `unexpected answer ${answer.type} to StartApplicationSession`);
  }

  /** The connection is gone (or unusable): fail everything and tell the connector, once. */
  private lost(reason: string): void {
    if (this.state === "down" || this.state === "closed" || this.state === "closing" || this.state === "new") return;
    const wasOpen = this.state === "open";
    this.state = "down";
    this.teardown();
    this.pending.failAll(new DeviceRequestError("error", `CTI link lost: ${reason}`, "link-down"));
    if (wasOpen) this.delegate.onDown(reason);
  }

  private teardown(): void {
    this.clearTimers();
    this.monitors.clear();
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (this.state === "opening") this.state = "down";
  }

  private clearTimers(): void {
    if (this.keepAliveTimer) this.options.clock.clearTimeout(this.keepAliveTimer);
    if (this.sessionTimer) this.options.clock.clearTimeout(this.sessionTimer);
    this.keepAliveTimer = null;
    this.sessionTimer = null;
  }

  private scheduleKeepAlive(): void {
    const every = this.options.keepAliveMs;
    if (every <= 0 || this.state !== "open") return;
    this.keepAliveTimer = this.options.clock.setTimeout(() => {
      this.keepAliveTimer = null;
      // Any answer proves the switch alive, a CSTAErrorCode too (it may not offer the service).
      this.request("RequestSystemStatus", requests.requestSystemStatus(this.options.namespace), ["RequestSystemStatusResponse"], () => undefined).then(
        () => this.scheduleKeepAlive(),
        (e: DeviceRequestError) => {
          if (e.failure === "timeout") this.lost(`no answer to the keep-alive (RequestSystemStatus) within ${this.options.requestTimeoutMs} ms`);
        },
      );
    }, every);
  }

  private scheduleSessionRefresh(): void {
    if (!this.sessionId || this.state !== "open") return;
    // Refresh at half the granted duration: one lost refresh still leaves time for another.
    this.sessionTimer = this.options.clock.setTimeout(() => {
      this.sessionTimer = null;
      const seconds = this.options.login?.durationSeconds ?? this.sessionSeconds;
      this.request("ResetApplicationSessionTimer", requests.resetApplicationSessionTimer(this.sessionId!, seconds), ["ResetApplicationSessionTimerPosResponse", "ResetApplicationSessionTimerNegResponse"], (m) => m).then(
        (m) => {
          if (m.type === "ResetApplicationSessionTimerPosResponse") return this.scheduleSessionRefresh();
          this.lost(`the switch refused to extend the application session (${m.type === "ResetApplicationSessionTimerNegResponse" ? m.reason : m.type})`);
        },
        (e: DeviceRequestError) => {
          if (e.failure === "timeout") this.lost("no answer to ResetApplicationSessionTimer");
        },
      );
    }, Math.max(1, this.sessionSeconds) * 500);
  }

  // ─── requests ─────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a request; `accept` runs synchronously on the answer (in wire order with events) and
   * its result or exception settles the promise.
   */
  private request<T>(name: string, xml: string, expects: readonly CstaResponseType[], accept: (m: CstaIncoming) => T, device?: string, timeoutMs = this.options.requestTimeoutMs): Promise<T> {
    const usable = this.state === "open" || this.state === "opening" || (this.state === "closing" && name === "StopApplicationSession");
    if (!usable || !this.socket) return Promise.reject(new DeviceRequestError("error", "CTI link not connected", "link-down"));
    return new Promise<T>((resolve, reject) => {
      const { clock } = this.options;
      let invokeId: string | null;
      try {
        invokeId = this.pending.nextInvokeId();
      } catch (e) {
        return reject(new DeviceRequestError("error", (e as Error).message, "timeout"));
      }
      const timer = clock.setTimeout(() => {
        this.pending.remove(p);
        this.counters.timeouts++;
        reject(new DeviceRequestError("error", `no answer to ${name} within ${timeoutMs} ms`, "timeout"));
      }, timeoutMs);
      const p = {
        invokeId,
        name,
        expects,
        device,
        settle: (m: CstaIncoming) => {
          clock.clearTimeout(timer);
          try {
            resolve(accept(m));
          } catch (e) {
            reject(e);
          }
        },
        fail: (e: Error) => {
          clock.clearTimeout(timer);
          reject(e);
        },
      };
      this.pending.add(p);
      this.send(invokeId, xml, device);
    });
  }

  private send(invokeId: string | null, xml: string, device?: string): void {
    const socket = this.socket;
    if (!socket) return;
    socket.write(encodeFrame(this.options.framing, invokeId, xml));
    this.counters.framesOut++;
    this.traceOut(xml, device);
  }

  // ─── incoming ─────────────────────────────────────────────────────────────────────────────

  private onData(chunk: Buffer): void {
    let frames: CstaFrame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      this.options.logger.error({ reason: e.message }, "CSTA stream unreadable; dropping the connection");
      return this.lost(`unreadable stream: ${e.message}`);
    }
    for (const frame of frames) {
      if (this.state !== "open" && this.state !== "opening" && this.state !== "closing") return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: CstaFrame): void {
    this.counters.framesIn++;
    if (frame.format !== 0) {
      this.counters.unknown++;
      this.badInput.log({ format: frame.format }, "SOAP-enveloped CSTA message skipped; configure the switch for plain CSTA XML over TCP");
      return;
    }
    let message: CstaIncoming;
    try {
      message = decodeIncoming(frame.payload);
    } catch (e) {
      this.counters.malformed++;
      this.trace("in", frame.payload.toString("utf8", 0, Math.min(frame.payload.length, TRACE_CHARS)));
      // Where the reader stopped helps find the fault in the traced message.
      const at = e instanceof XmlError ? { offset: e.offset } : {};
      this.badInput.log({ reason: (e as Error).message, ...at, invokeId: frame.invokeId }, "malformed CSTA message skipped");
      return;
    }
    switch (message.type) {
      case "event":
        return this.onEvent(message, frame);
      case "SystemStatus":
        this.traceIn(frame);
        return this.onSystemStatus(message.status, frame.invokeId);
      case "MonitorEnded": {
        this.traceIn(frame);
        const device = message.crossRefId ? this.monitors.get(message.crossRefId) : undefined;
        if (!device) return;
        this.monitors.delete(message.crossRefId!);
        return this.delegate.onMonitorEnded(device, "the switch ended the monitor");
      }
      case "unknown":
        this.traceIn(frame);
        this.counters.unknown++;
        return this.unknownInput.log({ name: message.name, ns: message.ns }, "unknown CSTA message skipped");
    }
    const p = this.pending.take(frame.invokeId, message.type);
    this.traceIn(frame, p?.device);
    if (!p) {
      this.counters.strayResponses++;
      this.options.logger.debug({ type: message.type, invokeId: frame.invokeId }, "answer to no pending request ignored");
      return;
    }
    p.settle(message);
  }

  private onEvent(message: Extract<CstaIncoming, { type: "event" }>, frame: CstaFrame): void {
    const device = message.crossRefId ? this.monitors.get(message.crossRefId) : undefined;
    this.traceIn(frame, device);
    if (!device) {
      // Late events of a stopped monitor, or of another application's: nothing to update.
      this.counters.unmatchedEvents++;
      return;
    }
    const events = translateEvent(message.name, message.root, device);
    if (events === null) {
      this.counters.unknown++;
      this.unknownInput.log({ name: message.name, device }, "CSTA event not understood; skipped");
      return;
    }
    for (const e of events) {
      if (this.state !== "open") return;
      this.delegate.onDeviceEvent(device, e);
    }
  }

  private onSystemStatus(status: string, invokeId: string | null): void {
    // The switch expects an acknowledgement with the same invoke id.
    this.send(invokeId ?? null, requests.systemStatusResponse(this.options.namespace));
    if (status === "messagesLost" || status === "enabled" || status === "initializing") {
      this.options.logger.info({ status }, "switch reports a system status change; re-reading every device");
      if (this.state === "open") this.delegate.onResync(`system status ${status}`);
    } else if (status === "disabled" || status === "partiallyDisabled") {
      this.options.logger.warn({ status }, "switch reports it is (partly) disabled");
    }
  }

  private traceIn(frame: CstaFrame, device?: string): void {
    if (this.options.trace) this.trace("in", frame.payload.toString("utf8", 0, Math.min(frame.payload.length, TRACE_CHARS)), device);
  }

  private traceOut(xml: string, device?: string): void {
    if (this.options.trace) this.trace("out", xml.replace(/(<(?:[\w-]+:)?password>)[^<]*(<\/)/g, "$1***$2"), device);
  }

  private trace(direction: "in" | "out", text: string, device?: string): void {
    this.options.trace?.({ at: this.options.clock.now(), direction, text, device });
  }
}

/** The answer as the expected type, or the switch's refusal as a {@link DeviceRequestError}. */
function expect<T extends CstaIncoming["type"]>(m: CstaIncoming, type: T, request: string): Extract<CstaIncoming, { type: T }> {
  if (m.type === type) return m as Extract<CstaIncoming, { type: T }>;
  if (m.type === "CSTAErrorCode") throw new DeviceRequestError(m.error.status, `${request} refused: ${describeCstaError(m.error)}`);
  throw new DeviceRequestError("error", `unexpected answer ${m.type} to ${request}`);
}

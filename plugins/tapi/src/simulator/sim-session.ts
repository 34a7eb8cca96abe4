import type { Socket } from "node:net";
import type { SimDevice } from "./sim-device.js";
import { frame, SimDeframer, type SimFraming } from "./sim-framing.js";
import * as msg from "./sim-messages.js";
import { parseFlat, type FlatXml } from "./sim-xml.js";

/** A request the simulator received, for assertions. */
export interface SimRequest {
  readonly at: number;
  /** Connection number (1 for the first client accepted). */
  readonly connection: number;
  /** Root element of the request, e.g. `MonitorStart`. */
  readonly name: string;
  /** The device the request is about, when it names one. */
  readonly device?: string;
}

/** What a connection needs from the simulator. */
export interface SessionHost {
  readonly framing: SimFraming;
  readonly namespace: string;
  readonly credentials: { readonly user: string; readonly password: string } | undefined;
  readonly unresponsive: boolean;
  /** Delay before each answer, ms (a slow switch). */
  readonly responseDelayMs: number;
  /** The device, created on first use unless the simulator has a fixed device list. */
  device(id: string): SimDevice | undefined;
  nextCrossRefId(): string;
  nextSessionId(): string;
  record(request: SimRequest): void;
  /** A client sent something unreadable. */
  malformed(connection: number, reason: string): void;
}

/**
 * One client connection to the simulated switch: its login, its monitors, and the answers to
 * its requests. Events reach it through {@link deliver}.
 */
export class SimSession {
  private readonly deframer: SimDeframer;
  /** monitorCrossRefID → device id. */
  private readonly monitors = new Map<string, string>();
  private sessionId: string | null = null;

  constructor(
    readonly connection: number,
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.deframer = new SimDeframer(host.framing);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  /** Devices this client monitors. */
  get monitoredDevices(): string[] {
    return [...this.monitors.values()];
  }

  /** Sends an event about a device to each of this client's monitors of it. */
  deliver(deviceId: string, name: string, body: string): void {
    for (const [crossRefId, dev] of this.monitors) if (dev === deviceId) this.write(msg.eventDocument(this.host.namespace, name, crossRefId, body), "9999");
  }

  /** Sends a framed document (invoke id 9999 unless told) or raw bytes. */
  write(xml: string | Buffer, invokeId: string | null = "9999"): void {
    if (this.socket.destroyed) return;
    this.socket.write(typeof xml === "string" ? frame(this.host.framing, xml, this.host.framing === "length-header" ? invokeId : null) : xml);
  }

  /** Ends this client's monitors of a device, telling it (MonitorEndedEvent). */
  endMonitors(deviceId: string): void {
    for (const [crossRefId, dev] of [...this.monitors]) {
      if (dev !== deviceId) continue;
      this.monitors.delete(crossRefId);
      this.write(msg.eventDocument(this.host.namespace, "MonitorEndedEvent", crossRefId, "<cause>normal</cause>"), "9999");
    }
  }

  /** Forgets the application session, as a switch does when it expires: refreshes are refused. */
  expireSession(): void {
    this.sessionId = null;
  }

  /** Drops the connection at once (a switch crash, a cable pulled). */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let messages;
    try {
      messages = this.deframer.feed(chunk);
    } catch (e) {
      this.host.malformed(this.connection, (e as Error).message);
      this.socket.destroy();
      return;
    }
    for (const m of messages) {
      let request: FlatXml;
      try {
        request = parseFlat(m.xml);
      } catch (e) {
        this.host.malformed(this.connection, (e as Error).message);
        continue;
      }
      this.handle(request, m.invokeId);
    }
  }

  private handle(r: FlatXml, invokeId: string | null): void {
    const ns = this.host.namespace;
    const leaf = (name: string) => r.leaves.get(name);
    const deviceId = leaf("deviceObject") ?? leaf("snapshotObject") ?? leaf("device");
    this.host.record({ at: Date.now(), connection: this.connection, name: r.root, ...(deviceId ? { device: deviceId } : {}) });
    if (this.host.unresponsive) return;
    const delay = this.host.responseDelayMs;
    const reply = (xml: string) => (delay > 0 ? void setTimeout(() => this.write(xml, invokeId), delay) : this.write(xml, invokeId));
    const creds = this.host.credentials;
    const sessionRequest = r.root === "StartApplicationSession" || r.root === "ResetApplicationSessionTimer" || r.root === "StopApplicationSession";
    if (creds && !this.sessionId && !sessionRequest && r.root !== "SystemStatusResponse") {
      return reply(msg.cstaErrorCode(ns, "security", "securityInfoViolated"));
    }
    switch (r.root) {
      case "StartApplicationSession": {
        const user = leaf("user") ?? leaf("userName") ?? "";
        const password = leaf("password") ?? "";
        if (creds && (user !== creds.user || password !== creds.password)) return reply(msg.sessionNeg("StartApplicationSessionNegResponse", "invalidApplicationInfo"));
        this.sessionId = this.host.nextSessionId();
        const seconds = Math.max(1, Number(leaf("requestedSessionDuration")) || 180);
        return reply(msg.startSessionPos(this.sessionId, seconds, leaf("protocolVersion") ?? ns));
      }
      case "ResetApplicationSessionTimer":
        return reply(leaf("sessionID") === this.sessionId && this.sessionId ? msg.sessionPos("ResetApplicationSessionTimerPosResponse") : msg.sessionNeg("ResetApplicationSessionTimerNegResponse", "invalidSessionID"));
      case "StopApplicationSession":
        this.sessionId = null;
        this.monitors.clear();
        return reply(msg.sessionPos("StopApplicationSessionPosResponse"));
      case "MonitorStart": {
        const dev = deviceId ? this.host.device(deviceId) : undefined;
        if (!dev) return reply(msg.cstaErrorCode(ns, "operation", "invalidDeviceID"));
        const crossRefId = this.host.nextCrossRefId();
        this.monitors.set(crossRefId, dev.id);
        return reply(msg.monitorStartResponse(ns, crossRefId));
      }
      case "MonitorStop": {
        const crossRefId = leaf("monitorCrossRefID") ?? "";
        if (!this.monitors.delete(crossRefId)) return reply(msg.cstaErrorCode(ns, "operation", "invalidCrossRefID"));
        return reply(msg.emptyResponse(ns, "MonitorStopResponse"));
      }
      case "SnapshotDevice": {
        const dev = deviceId ? this.host.device(deviceId) : undefined;
        if (!dev) return reply(msg.cstaErrorCode(ns, "operation", "invalidDeviceID"));
        return reply(msg.snapshotDeviceResponse(ns, dev.id, dev.calls.map((c) => ({ callId: c.id, state: c.state }))));
      }
      case "GetDoNotDisturb": {
        const dev = deviceId ? this.host.device(deviceId) : undefined;
        if (!dev) return reply(msg.cstaErrorCode(ns, "operation", "invalidDeviceID"));
        return reply(msg.getDoNotDisturbResponse(ns, dev.dnd));
      }
      case "GetForwarding": {
        const dev = deviceId ? this.host.device(deviceId) : undefined;
        if (!dev) return reply(msg.cstaErrorCode(ns, "operation", "invalidDeviceID"));
        return reply(msg.getForwardingResponse(ns, dev.forwardings));
      }
      case "RequestSystemStatus":
        return reply(msg.requestSystemStatusResponse(ns, "normal"));
      case "SystemStatusResponse":
        return;
      default:
        return reply(msg.cstaErrorCode(ns, "operation", "invalidFeature"));
    }
  }
}

import { once } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { SimDevice } from "./sim-device.js";
import type { SimFraming } from "./sim-framing.js";
import * as msg from "./sim-messages.js";
import { SimSession, type SessionHost, type SimRequest } from "./sim-session.js";

/** How the simulated switch behaves. */
export interface CtiSimulatorOptions {
  /** TCP port to listen on (0: any free port; see {@link CtiSimulator.port}). */
  readonly port: number;
  /** Address to listen on; default loopback. */
  readonly host?: string;
  readonly framing?: SimFraming;
  /** ECMA-323 edition the switch answers in (default 3). */
  readonly edition?: number;
  /** Require an ECMA-354 application session with these credentials. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** When given, only these devices exist (others get `invalidDeviceID`); otherwise devices appear on first use. */
  readonly devices?: readonly string[];
}

/**
 * A CTI server speaking CSTA Phase III XML (ECMA-323) over TCP, for tests and the demo. It
 * implements the protocol on its own (framing, XML, messages: nothing shared with the client)
 * and is scripted through {@link device}: calls ring, are answered, held, diverted and hung up;
 * DND and forwarding switch; phones go out of service. Each change is sent as the event a
 * switch would send to every client monitoring the device.
 *
 * Fault injection: {@link dropConnections} (link loss), {@link stop}/{@link start} (a switch
 * restart; device state survives), {@link sendRaw}/{@link sendBytes}/{@link sendEvent}
 * (malformed, unknown or vendor messages), {@link unresponsive} (a hung switch: requests go
 * unanswered).
 *
 * ```ts
 * const sim = new CtiSimulator({ port: 25500 });
 * await sim.start();
 * const call = sim.device("1001").incomingCall("+4930123456"); // ringing
 * call.answer();                                               // busy, inbound
 * sim.device("1001").forwardTo("8000");                        // forwarded
 * await sim.stop();
 * ```
 */
export class CtiSimulator {
  /** Requests are not answered while true (a hung switch); the connection stays up. */
  unresponsive = false;
  /** Delay before every answer, ms (a slow switch); events are not delayed. */
  responseDelayMs = 0;
  private server: Server | null = null;
  private readonly sessions = new Set<SimSession>();
  private readonly devices = new Map<string, SimDevice>();
  private readonly log: SimRequest[] = [];
  private readonly listeners = new Set<(r: SimRequest) => void>();
  private readonly badInput: { connection: number; reason: string }[] = [];
  private connectionCount = 0;
  private crossRefs = 0;
  private callIds = 0;
  private sessionIds = 0;
  private readonly namespace: string;
  private readonly host: SessionHost;

  constructor(private readonly options: CtiSimulatorOptions) {
    this.namespace = `http://www.ecma-international.org/standards/ecma-323/csta/ed${options.edition ?? 3}`;
    for (const id of options.devices ?? []) this.addDevice(id);
    const self = this;
    this.host = {
      framing: options.framing ?? "length-header",
      namespace: this.namespace,
      credentials: options.credentials,
      get unresponsive() {
        return self.unresponsive;
      },
      get responseDelayMs() {
        return self.responseDelayMs;
      },
      device: (id) => this.devices.get(id) ?? (options.devices ? undefined : this.addDevice(id)),
      nextCrossRefId: () => String(++this.crossRefs),
      nextSessionId: () => `sim-session-${++this.sessionIds}`,
      record: (r) => {
        this.log.push(r);
        if (this.log.length > 10_000) this.log.splice(0, 1_000);
        for (const l of this.listeners) l(r);
      },
      malformed: (connection, reason) => void this.badInput.push({ connection, reason }),
    };
  }

  /** Starts listening (again, after {@link stop}: devices keep their state). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.accept(socket));
    server.listen(this.options.port, this.options.host ?? "127.0.0.1");
    await once(server, "listening");
    this.server = server;
  }

  /** Stops listening and drops every client; monitors are gone, devices remain. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The port listened on. */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  /** A device, created if the simulator has no fixed device list. */
  device(id: string): SimDevice {
    const d = this.devices.get(id) ?? (this.options.devices ? undefined : this.addDevice(id));
    if (!d) throw new Error(`device ${id} does not exist on this simulator`);
    return d;
  }

  /** Adds a device (with a fixed device list, this is how one appears). */
  addDevice(id: string): SimDevice {
    const existing = this.devices.get(id);
    if (existing) return existing;
    const d = new SimDevice(id, (deviceId, name, body) => this.deliver(deviceId, name, body), () => `C${String(++this.callIds).padStart(6, "0")}`);
    this.devices.set(id, d);
    return d;
  }

  /** Drops every client connection at once, as a crashing switch or a pulled cable would. */
  dropConnections(): void {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }

  /** Sends a raw XML document (framed) to every client: for unknown or malformed messages. */
  sendRaw(xml: string, invokeId = "9999"): void {
    for (const s of this.sessions) s.write(xml, invokeId);
  }

  /**
   * Sends any event about a device to every monitor of it: `body` is the XML after
   * `monitorCrossRefID` (for vendor events, or events the device model does not script).
   */
  sendEvent(deviceId: string, name: string, body = ""): void {
    this.deliver(deviceId, name, body);
  }

  /** Sends raw bytes, unframed, to every client (breaks the stream on purpose). */
  sendBytes(bytes: Buffer): void {
    for (const s of this.sessions) s.write(bytes);
  }

  /** Ends every monitor of a device (MonitorEndedEvent), as a switch does when a device is removed or reset. */
  endMonitors(deviceId: string): void {
    for (const s of this.sessions) s.endMonitors(deviceId);
  }

  /** Expires every client's application session: the next ResetApplicationSessionTimer is refused. */
  expireSessions(): void {
    for (const s of this.sessions) s.expireSession();
  }

  /** Sends a SystemStatus (`normal`, `messagesLost`, `disabled`, …) to every client. */
  sendSystemStatus(status: string): void {
    for (const s of this.sessions) s.write(msg.systemStatus(this.namespace, status), "9999");
  }

  /** Devices some client monitors, sorted (a device monitored twice appears twice). */
  monitoredDevices(): string[] {
    return [...this.sessions].flatMap((s) => s.monitoredDevices).sort();
  }

  /** Requests received, optionally only one kind and/or about one device. */
  requests(name?: string, device?: string): SimRequest[] {
    return this.log.filter((r) => (!name || r.name === name) && (!device || r.device === device));
  }

  /** Forgets the request log. */
  clearRequests(): void {
    this.log.length = 0;
  }

  /** Client connections accepted since the simulator was created. */
  get connections(): number {
    return this.connectionCount;
  }

  /** Clients connected now. */
  get clients(): number {
    return this.sessions.size;
  }

  /** Unreadable requests received (reason per connection). */
  get malformedRequests(): readonly { connection: number; reason: string }[] {
    return this.badInput;
  }

  /** Resolves with the next request of that kind (and device), or rejects after `timeoutMs`. */
  waitForRequest(name: string, options: { device?: string; timeoutMs?: number } = {}): Promise<SimRequest> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const listener = (r: SimRequest) => {
        if (r.name !== name || (options.device && r.device !== options.device)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`simulator: no ${name}${options.device ? ` for ${options.device}` : ""} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const session = new SimSession(++this.connectionCount, socket, this.host);
    this.sessions.add(session);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.sessions.delete(session));
  }

  private deliver(deviceId: string, name: string, body: string): void {
    for (const s of this.sessions) s.deliver(deviceId, name, body);
  }
}

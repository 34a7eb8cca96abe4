import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";
import { StreamFramer } from "../wire/index.js";
import type { Remote, SipTransport, TransportDelegate } from "./sip-transport.js";

/** Options of a TCP or TLS transport. */
export interface StreamTransportOptions {
  readonly protocol: "tcp" | "tls";
  readonly server: Remote;
  /** TLS: the name to verify the certificate against (and send as SNI); default the server address. */
  readonly serverName?: string;
  /** TLS: trusted CA certificates (PEM); default the system store. */
  readonly ca?: string | Buffer;
  /** Give up connecting after this long. */
  readonly connectTimeoutMs?: number;
  /** RFC 5626 CRLFCRLF keep-alive interval; 0 disables. */
  readonly keepAliveMs?: number;
}

/**
 * SIP over one TCP or TLS connection to the server, framed on bytes by Content-Length. NOTIFYs
 * come back on this connection (servers alias it, RFC 5923 style), so Via/Contact carry the
 * connection's local address. TLS verifies the server certificate (configurable CA).
 * A lost connection is reported with `onDown`, never silently re-opened.
 */
export class StreamTransport implements SipTransport {
  readonly reliable = true;
  private socket: Socket | TLSSocket | null = null;
  private localAddress: Remote = { address: "0.0.0.0", port: 0 };
  private keepAlive: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: StreamTransportOptions,
    private readonly delegate: TransportDelegate,
  ) {}

  get protocol(): "tcp" | "tls" {
    return this.options.protocol;
  }

  get local(): Remote {
    return this.localAddress;
  }

  get remote(): Remote {
    return this.options.server;
  }

  get isOpen(): boolean {
    return this.socket !== null;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    const { server, protocol } = this.options;
    const socket = await new Promise<Socket | TLSSocket>((resolve, reject) => {
      const s =
        protocol === "tls"
          ? connectTls({ host: server.address, port: server.port, servername: this.options.serverName, ca: this.options.ca, rejectUnauthorized: true })
          : connectTcp({ host: server.address, port: server.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no ${protocol.toUpperCase()} connection to ${server.address}:${server.port} within ${this.options.connectTimeoutMs ?? 5000} ms`));
      }, this.options.connectTimeoutMs ?? 5000);
      s.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      s.once(protocol === "tls" ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(s);
      });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    const framer = new StreamFramer();
    socket.on("data", (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.kind === "message") this.delegate.onMessage(event.data, { address: socket.remoteAddress ?? server.address, port: socket.remotePort ?? server.port });
        else if (event.kind === "ping") socket.write("\r\n");
        else if (event.kind === "broken") {
          socket.destroy();
          this.lost(socket, `stream broken: ${event.error.message}`);
          return;
        }
      }
    });
    socket.on("error", (e) => this.lost(socket, e.message));
    socket.on("close", () => this.lost(socket, "connection closed by the server"));
    this.socket = socket;
    this.localAddress = { address: socket.localAddress ?? "0.0.0.0", port: socket.localPort ?? 0 };
    const every = this.options.keepAliveMs ?? 30_000;
    if (every > 0) {
      this.keepAlive = setInterval(() => this.socket?.write("\r\n\r\n"), every);
      this.keepAlive.unref();
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.stopKeepAlive();
    this.socket = null;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.end();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }

  send(data: Buffer): boolean {
    if (!this.socket) return false;
    this.socket.write(data);
    return true;
  }

  reply(data: Buffer): boolean {
    return this.send(data);
  }

  private lost(socket: Socket | TLSSocket, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.stopKeepAlive();
    socket.destroy();
    this.delegate.onDown(reason);
  }

  private stopKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }
}

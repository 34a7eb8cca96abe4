import { once } from "node:events";
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { Remote, SipTransport, TransportDelegate } from "./sip-transport.js";

/** Receive buffer asked of the kernel: absorbs a burst of NOTIFYs (e.g. after a server restart). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * SIP over UDP towards one server. One socket for sending and receiving; Via and Contact carry
 * the local address the OS routes to the server from (learned with a connected probe socket)
 * and the bound port, so NOTIFYs reach us without relying on the server's rport handling.
 */
export class UdpTransport implements SipTransport {
  readonly protocol = "udp" as const;
  readonly reliable = false;
  private socket: Socket | null = null;
  private localAddress: Remote = { address: "0.0.0.0", port: 0 };

  constructor(
    private readonly server: Remote,
    private readonly delegate: TransportDelegate,
    private readonly bind: { host?: string; port?: number } = {},
  ) {}

  get local(): Remote {
    return this.localAddress;
  }

  get remote(): Remote {
    return this.server;
  }

  get isOpen(): boolean {
    return this.socket !== null;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    const type = isIPv6(this.server.address) ? "udp6" : "udp4";
    const routeHost = this.bind.host ?? (await routeAddress(type, this.server));
    const socket = createSocket({ type, recvBufferSize: RECEIVE_BUFFER_BYTES });
    socket.bind(this.bind.port ?? 0, this.bind.host);
    await once(socket, "listening");
    socket.on("message", (data, info) => this.delegate.onMessage(data, { address: info.address, port: info.port }));
    // ICMP errors and the like: a datagram socket stays usable; losses surface as timeouts.
    socket.on("error", () => {});
    this.socket = socket;
    this.localAddress = { address: routeHost, port: socket.address().port };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  send(data: Buffer): boolean {
    return this.reply(data, this.server);
  }

  reply(data: Buffer, remote: Remote): boolean {
    if (!this.socket) return false;
    this.socket.send(data, remote.port, remote.address);
    return true;
  }
}

/** The local address the OS would send from towards `server` (no packet is sent). */
async function routeAddress(type: "udp4" | "udp6", server: Remote): Promise<string> {
  const probe = createSocket(type);
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.connect(server.port, server.address, () => resolve());
    });
    return probe.address().address;
  } finally {
    probe.close();
  }
}

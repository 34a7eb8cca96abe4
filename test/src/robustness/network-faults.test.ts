import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConnectorStatus, RichState } from "@presence-hub/core";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "../support/kamailio.js";
import { PresencePublisher } from "../support/sipp.js";
import { recordFault } from "./report.js";

/**
 * A loopback TCP proxy that misbehaves on demand: `resetOnNextNotify()` forwards half of the
 * next NOTIFY from the server and then resets both sides (RST); `freeze()` makes every open
 * connection half-open (nothing forwarded either way, nothing closed) while new ones pass.
 */
class FaultProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  private resetArmed = false;
  private server!: Server;
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.accepted++;
      const upstream = connect(this.target, "127.0.0.1");
      const pair = { client, upstream, frozen: false };
      this.pairs.add(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.on("data", (d: Buffer) => pair.frozen || upstream.write(d));
      upstream.on("data", (d: Buffer) => {
        if (pair.frozen) return;
        const at = d.indexOf("NOTIFY ");
        if (this.resetArmed && at >= 0) {
          this.resetArmed = false;
          client.write(d.subarray(0, at + Math.floor((d.length - at) / 2)), () => {
            client.resetAndDestroy();
            upstream.destroy();
          });
          return;
        }
        client.write(d);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  resetOnNextNotify(): void {
    this.resetArmed = true;
  }

  freeze(): void {
    for (const p of this.pairs) p.frozen = true;
  }

  /** Open connections that still forward. */
  get live(): number {
    return [...this.pairs].filter((p) => !p.frozen).length;
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * Network faults against real peers: a TCP reset in the middle of a NOTIFY, a half-open
 * connection, a server restart, ICMP port unreachable on UDP, slow-loris peers on the hub's
 * HTTP port and as the SIP and CTI servers the connectors talk to. Each fault must end in the
 * right status within a bound, without a busy loop, and recover by itself. Ports 26200-26239.
 */
describe("Robustness: network faults", function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-faults-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const status = (hub: TestHub, id: string): ConnectorStatus => hub.app.hub.connectorInfo(id).health.status;
  const rich = (hub: TestHub, u: string) => hub.app.hub.presence(u)!.rich as RichState;

  describe("SIP over TCP through a faulty link to Kamailio", () => {
    let kam: KamailioInstance;
    let proxy: FaultProxy;
    let hub: TestHub;
    let alice: PresencePublisher;
    let n = 0;

    before(async () => {
      kamailioAvailable();
      kam = await startKamailio({ ports: { udp: 26200 }, tls: false, parentDir: tmp });
      proxy = new FaultProxy(26200);
      await proxy.start();
      hub = await startTestHub({
        config: {
          presence: { monitorAll: true },
          connectors: [{ id: "kam", type: "sip-simple", protocol: "tcp", server: `127.0.0.1:${proxy.port}`, uri: "hub@127.0.0.1", authId: "hub", password: "secret", t1Ms: 100, healthCheckSeconds: 5 }],
          users: [{ username: "alice", sipUri: "sip:alice@127.0.0.1" }],
        },
      });
      alice = new PresencePublisher({ server: kam, localPort: 26205, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
      await waitFor("alice watched over TCP", () => rich(hub, "alice").status === "offline", 20_000);
    });
    after(async () => {
      await alice?.unpublish().catch(() => {});
      await hub?.stop();
      await proxy?.close();
      await kam?.dispose();
    });

    /** Publishes a fresh note for alice and waits for the hub to show it. */
    async function aliceShows(what: string, timeoutMs = 20_000): Promise<number> {
      const note = `${what} ${++n}`;
      const started = performance.now();
      await alice.publish("away", { note });
      await waitFor(`alice's "${note}" after ${what}`, () => rich(hub, "alice").message === note, timeoutMs);
      return performance.now() - started;
    }

    it("a TCP reset in the middle of a NOTIFY: connection-error, then a new connection and fresh state within seconds", async () => {
      const before = proxy.accepted;
      proxy.resetOnNextNotify();
      await alice.publish("busy", { note: "cut in half" });
      await waitFor("connection-error after the reset", () => status(hub, "kam") === "connection-error", 10_000);
      await waitFor("reconnected", () => proxy.accepted > before && status(hub, "kam") === "up-and-running", 20_000);
      await aliceShows("reset");
      recordFault("TCP reset mid-NOTIFY (SIP)", { injected: 1, survived: 1, recoveries: 1 });
    });

    it("a half-open connection (nothing comes back, nothing is closed): connection-error within a bound, then a fresh connection", async () => {
      const before = proxy.accepted;
      const frozenAt = performance.now();
      proxy.freeze();
      // The health probe (every 5 s here) gets no answer within timer F (64·T1 = 6.4 s).
      await waitFor("connection-error on the half-open link", () => status(hub, "kam") === "connection-error", 20_000);
      const detected = performance.now() - frozenAt;
      await waitFor("a fresh connection", () => proxy.accepted > before && proxy.live > 0, 20_000);
      await waitFor("up-and-running again", () => status(hub, "kam") === "up-and-running", 20_000);
      await aliceShows("half-open");
      recordFault("half-open TCP connection (SIP)", { injected: 1, survived: 1, recoveries: 1 });
      expect(detected, "detection time (ms)").to.be.below(15_000);
    });

    it("a server restart: connection-error while it is down, every subscription back by itself", async () => {
      await kam.restart();
      await waitFor("up-and-running after the restart", () => status(hub, "kam") === "up-and-running", 30_000);
      await aliceShows("server restart", 30_000);
      recordFault("SIP server restart", { injected: 1, survived: 1, recoveries: 1 });
    });
  });

  describe("SIP over UDP to a closed port (ICMP port unreachable)", () => {
    let hub: TestHub;
    let kam: KamailioInstance | undefined;
    after(async () => {
      await hub?.stop();
      await kam?.dispose();
    });

    it("reports connection-error within a bound, stays idle (no busy loop), and recovers when the server appears", async () => {
      const started = performance.now();
      hub = await startTestHub({
        config: {
          presence: { monitorAll: true },
          connectors: [{ id: "udp", type: "sip-simple", server: "127.0.0.1:26220", uri: "hub@127.0.0.1", authId: "hub", password: "secret", t1Ms: 100 }],
          users: [{ username: "alice", sipUri: "sip:alice@127.0.0.1" }],
        },
      });
      await waitFor("connection-error", () => status(hub, "udp") === "connection-error" && /no answer/.test(hub.app.hub.connectorInfo("udp").health.detail ?? ""), 15_000);
      expect(performance.now() - started, "time to connection-error (ms)").to.be.below(12_000);
      // Five seconds of an unreachable server: retransmissions and probes only, not a spin.
      const cpu = process.cpuUsage();
      const sent = hub.app.hub.connectorCounters("udp")["sip.sent"] ?? 0;
      await new Promise((r) => setTimeout(r, 5_000));
      const used = process.cpuUsage(cpu);
      const sentIn5s = (hub.app.hub.connectorCounters("udp")["sip.sent"] ?? 0) - sent;
      expect((used.user + used.system) / 1000, "CPU in 5 s (ms)").to.be.below(500);
      expect(sentIn5s, "SIP messages sent in 5 s").to.be.below(200);
      // The server appears on that port: the connector finds it by itself.
      kam = await startKamailio({ ports: { udp: 26220 }, tls: false, parentDir: tmp });
      await waitFor("up-and-running once the server is there", () => status(hub, "udp") === "up-and-running", 20_000);
      await waitFor("alice watched", () => rich(hub, "alice").status === "offline", 30_000);
      recordFault("ICMP port unreachable (SIP over UDP)", { injected: 1, survived: 1, recoveries: 1 });
    });
  });

  describe("slow-loris peers", () => {
    it("the hub's HTTP port closes clients that trickle their headers (or their body, in the soak) within a bound, and serves others meanwhile", async () => {
      const hub = await startTestHub({ config: { users: [{ username: "alice" }] } });
      try {
        // Headers have 10 s, a whole request 60 s, both checked every second.
        expect(hub.app.server.listener.headersTimeout).to.equal(10_000);
        expect(hub.app.server.listener.requestTimeout).to.equal(60_000);
        const soak = Boolean(process.env.PRESENCE_HUB_SOAK);
        const { port } = new URL(hub.url);
        const closedAfter: number[] = [];
        const sockets: Socket[] = [];
        const started = performance.now();
        // 40 clients sending one header byte every 500 ms (and, in the soak, 5 sending a body so).
        for (let i = 0; i < (soak ? 45 : 40); i++) {
          const s = connect(Number(port), "127.0.0.1");
          sockets.push(s);
          s.on("error", () => {});
          s.on("close", () => closedAfter.push(performance.now() - started));
          const head = i < 40 ? "" : "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
          const text = i < 40 ? "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(1000) : " ".repeat(100000);
          if (head) s.write(head);
          let at = 0;
          const drip = setInterval(() => {
            if (s.destroyed || at >= text.length) return clearInterval(drip);
            s.write(text[at++]!);
          }, 500);
        }
        // Meanwhile others are served at once.
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          const t = performance.now();
          expect((await fetch(`${hub.url}/api/v1/health`)).status).to.equal(200);
          expect(performance.now() - t, "health during the slow-loris (ms)").to.be.below(1000);
        }
        const bound = soak ? 65_000 : 15_000;
        await waitFor("every slow client closed by the hub", () => closedAfter.length === sockets.length, bound + 5_000, 100).catch((e: Error) => {
          throw new Error(`${e.message}: ${closedAfter.length} of ${sockets.length} closed, after ${closedAfter.map((t) => (t / 1000).toFixed(1)).join(" ")} s`);
        });
        recordFault("slow-loris clients on the HTTP port", { injected: sockets.length, survived: sockets.length });
        expect(Math.max(...closedAfter), "longest-lived slow client (ms)").to.be.below(bound);
      } finally {
        await hub.stop();
      }
    });

    /** A TCP server that accepts and then answers one byte every 500 ms, forever. */
    async function tricklingServer(port: number, answer: (received: string) => string): Promise<{ close(): Promise<void>; closedAfter: number[]; accepted: number }> {
      const closedAfter: number[] = [];
      const state = { accepted: 0 };
      const server = createServer((s) => {
        state.accepted++;
        const opened = performance.now();
        let received = "";
        let drip: NodeJS.Timeout | undefined;
        s.on("error", () => {});
        s.on("close", () => {
          clearInterval(drip);
          closedAfter.push(performance.now() - opened);
        });
        s.on("data", (d: Buffer) => {
          received += d.toString("latin1");
          if (drip) return;
          const text = answer(received);
          let at = 0;
          drip = setInterval(() => s.write(text[at++ % text.length]!), 500);
        });
      });
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
      return {
        closedAfter,
        get accepted() {
          return state.accepted;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
    }

    it("a SIP server that trickles its answers: connection-error within a bound, and the stuck connection is dropped", async () => {
      const sip = await tricklingServer(26230, (req) => {
        const callId = /^Call-ID: (.*)$/im.exec(req)?.[1] ?? "x";
        return `SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1\r\nFrom: <sip:hub@127.0.0.1>;tag=1\r\nTo: <sip:hub@127.0.0.1>;tag=2\r\nCall-ID: ${callId}\r\nCSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n`;
      });
      const hub = await startTestHub({
        config: { connectors: [{ id: "slow", type: "sip-simple", protocol: "tcp", server: "127.0.0.1:26230", uri: "hub@127.0.0.1", t1Ms: 100, healthCheckSeconds: 5 }], users: [] },
      });
      try {
        await waitFor("connection-error", () => status(hub, "slow") === "connection-error", 15_000);
        await waitFor("the trickling connection dropped by the connector", () => sip.closedAfter.length > 0, 20_000);
        expect(sip.closedAfter[0]!, "lifetime of the stuck connection (ms)").to.be.below(15_000);
        recordFault("slow-loris SIP server (TCP)", { injected: 1, survived: 1 });
      } finally {
        await hub.stop();
        await sip.close();
      }
    });

    it("a CTI server that trickles its answers: connection-error within a bound, and the stuck link is dropped", async () => {
      const cti = await tricklingServer(26231, () => "<?xml version='1.0'?><StartApplicationSessionPosResponse xmlns='http://www.ecma-international.org/standards/ecma-354/appl_session'><sessionID>1</sessionID></StartApplicationSessionPosResponse>");
      const hub = await startTestHub({
        config: { connectors: [{ id: "cti", type: "tapi", server: "127.0.0.1:26231", user: "hub", password: "secret", framing: "nul-terminated", reconnectMinMs: 200, reconnectMaxMs: 2000 }], users: [] },
      });
      try {
        await waitFor("connection-error", () => status(hub, "cti") === "connection-error", 20_000);
        await waitFor("the trickling link dropped by the connector", () => cti.closedAfter.length > 0, 30_000);
        expect(cti.closedAfter[0]!, "lifetime of the stuck link (ms)").to.be.below(20_000);
        recordFault("slow-loris CTI server (TCP)", { injected: 1, survived: 1 });
      } finally {
        await hub.stop();
        await cti.close();
      }
    });
  });
});

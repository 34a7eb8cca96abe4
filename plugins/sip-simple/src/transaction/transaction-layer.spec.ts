import { expect } from "chai";
import { ManualClock } from "@presence-hub/core/testing";

import { createResponse, parseMessage, serializeRequest, serializeResponse, type SipRequest, type SipResponse } from "../wire/index.js";
import type { Remote, SipTransport } from "../transport/sip-transport.js";
import { MessageTrace } from "./message-trace.js";
import { TransactionLayer, type ClientTransactionHandler, type RequestHandler, type Responder } from "./transaction-layer.js";
import { RFC3261_TIMERS } from "./transaction-timers.js";

/**
 * The unit boundary of these tests is the {@link SipTransport} interface: an in-memory transport
 * records the Buffers the layer hands it (with the manual clock's time) and lets the test inject
 * received ones. Everything above it (parsing, matching, timers E/F/K/J) is the real code, and
 * time only moves when the test moves the {@link ManualClock}.
 */
class MemoryTransport implements SipTransport {
  readonly local: Remote = { address: "192.0.2.1", port: 5070 };
  readonly remote: Remote = { address: "192.0.2.10", port: 5060 };
  readonly isOpen = true;
  /** Requests sent to the server, with the time they left. */
  readonly sent: { at: number; data: Buffer }[] = [];
  /** Responses to requests the server sent us, with where they went. */
  readonly replies: { at: number; data: Buffer; remote: Remote }[] = [];
  /** When false, `send` fails as a closed transport does. */
  accepting = true;

  constructor(
    readonly protocol: "udp" | "tcp" | "tls",
    private readonly clock: ManualClock,
  ) {}

  get reliable(): boolean {
    return this.protocol !== "udp";
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  send(data: Buffer): boolean {
    if (!this.accepting) return false;
    this.sent.push({ at: this.clock.now(), data });
    return true;
  }

  reply(data: Buffer, remote: Remote): boolean {
    this.replies.push({ at: this.clock.now(), data, remote });
    return true;
  }
}

const SERVER: Remote = { address: "192.0.2.10", port: 5060 };
const T1 = RFC3261_TIMERS.t1;
const T2 = RFC3261_TIMERS.t2;
const T4 = RFC3261_TIMERS.t4;

/** A client handler that records what it hears. */
function recorder(): ClientTransactionHandler & { provisional: number[]; finals: number[]; timeouts: string[] } {
  const r = {
    provisional: [] as number[],
    finals: [] as number[],
    timeouts: [] as string[],
    onProvisional(res: SipResponse) {
      r.provisional.push(res.status);
    },
    onFinal(res: SipResponse) {
      r.finals.push(res.status);
    },
    onTimeout(reason: string) {
      r.timeouts.push(reason);
    },
  };
  return r;
}

function subscribe() {
  return {
    method: "SUBSCRIBE",
    uri: "sip:alice@192.0.2.10",
    headers: [
      ["Max-Forwards", "70"],
      ["From", "<sip:hub@192.0.2.10>;tag=h1"],
      ["To", "<sip:alice@192.0.2.10>"],
      ["Call-ID", "call-1"],
      ["CSeq", "1 SUBSCRIBE"],
      ["Event", "presence"],
      ["Expires", "600"],
    ] as [string, string][],
  };
}

function parseRequest(data: Buffer): SipRequest {
  const parsed = parseMessage(data);
  if (!parsed.ok || parsed.message.kind !== "request") throw new Error("the layer sent something that is not a request");
  return parsed.message;
}

function parseResponse(data: Buffer): SipResponse {
  const parsed = parseMessage(data);
  if (!parsed.ok || parsed.message.kind !== "response") throw new Error("the layer replied with something that is not a response");
  return parsed.message;
}

/** The server's answer to the request the layer sent (same Via, so it matches the transaction). */
function answer(request: Buffer, status: number): Buffer {
  return serializeResponse(createResponse(parseRequest(request), status, { toTag: "srv" }));
}

/** A NOTIFY from the server, as a datagram. */
function notify(branch = "z9hG4bKnotify1", cseq = 1): Buffer {
  return serializeRequest({
    method: "NOTIFY",
    uri: "sip:hub@192.0.2.1:5070",
    headers: [
      ["Via", `SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}`],
      ["Max-Forwards", "70"],
      ["From", "<sip:alice@192.0.2.10>;tag=srv"],
      ["To", "<sip:hub@192.0.2.10>;tag=h1"],
      ["Call-ID", "call-1"],
      ["CSeq", `${cseq} NOTIFY`],
      ["Event", "presence"],
      ["Subscription-State", "active;expires=600"],
    ],
  });
}

function setup(protocol: "udp" | "tcp" = "udp", respond: ((r: SipRequest, respond: Responder) => void) | null = (_r, res) => res(200)) {
  const clock = new ManualClock();
  const transport = new MemoryTransport(protocol, clock);
  const requests: SipRequest[] = [];
  const handler: RequestHandler = {
    onRequest(request, res) {
      requests.push(request);
      respond?.(request, res);
    },
  };
  const layer = new TransactionLayer(transport, clock, handler, new MessageTrace(50));
  const start = clock.now();
  /** Milliseconds since the test started. */
  const since = (at: number) => at - start;
  return { clock, transport, layer, requests, since };
}

describe("TransactionLayer", () => {
  describe("client transactions on UDP", () => {
    it("retransmits at 0, T1, 3T1, 7T1, … capped at T2 and times out at 64·T1: 11 transmissions, timeout at 32.0 s", () => {
      const { clock, transport, layer, since } = setup();
      const h = recorder();
      let timeoutAt = -1;
      layer.send(subscribe(), { ...h, onTimeout: (reason) => ((timeoutAt = since(clock.now())), h.onTimeout(reason)) });
      clock.advance(40_000);

      expect(transport.sent.map((s) => since(s.at))).to.deep.equal([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      expect(timeoutAt).to.equal(64 * T1).and.equal(32_000);
      expect(h.timeouts).to.have.length(1);
      expect(h.timeouts[0]).to.match(/32 s/);
      expect(h.finals).to.deep.equal([]);
      // Every retransmission is byte-identical (same branch): the server matches them to one transaction.
      for (const s of transport.sent) expect(s.data.equals(transport.sent[0]!.data)).to.equal(true);
      expect(layer.stats).to.include({ sent: 11, retransmissions: 10, timeouts: 1 });
      expect(layer.pending).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it("adds a Via with the transport, the local address, a fresh RFC 3261 branch and rport", () => {
      const { transport, layer } = setup();
      const branch = layer.send(subscribe(), recorder());
      const via = parseRequest(transport.sent[0]!.data).topVia;
      expect(via.branch).to.equal(branch).and.match(/^z9hG4bK/);
      expect(via).to.include({ transport: "UDP", host: "192.0.2.1", port: 5070 });
      expect(via.rport).to.equal(true);
      expect(layer.send(subscribe(), recorder())).to.not.equal(branch);
    });

    it("retransmits every T2 once a provisional response came, until the final one", () => {
      const { clock, transport, layer, since } = setup();
      const h = recorder();
      layer.send(subscribe(), h);
      clock.advance(600); // the first retransmission went at T1
      const first = transport.sent[0]!.data;
      transport.sent.length = 0;
      layer.receive(answer(first, 100), SERVER);
      expect(h.provisional).to.deep.equal([100]);
      clock.advance(20_000);
      // The timer E already armed (at 3T1 = 1.5 s) fires, then every T2.
      expect(transport.sent.map((s) => since(s.at))).to.deep.equal([1500, 5500, 9500, 13500, 17500]);
      layer.receive(answer(first, 202), SERVER);
      expect(h.finals).to.deep.equal([202]);
      const count = transport.sent.length;
      clock.advance(40_000);
      expect(transport.sent).to.have.length(count);
      expect(h.timeouts).to.deep.equal([]);
    });

    it("keeps the transaction for T4 after the final response (timer K): a retransmitted final is absorbed", () => {
      const { clock, transport, layer } = setup();
      const h = recorder();
      layer.send(subscribe(), h);
      const ok = answer(transport.sent[0]!.data, 200);
      layer.receive(ok, SERVER);
      clock.advance(T4 - 1);
      layer.receive(ok, SERVER);
      layer.receive(ok, SERVER);
      expect(h.finals).to.deep.equal([200]);
      expect(layer.stats.absorbedRetransmissions).to.equal(2);
      expect(layer.stats.strayResponses).to.equal(0);
      expect(transport.sent).to.have.length(1); // no retransmission after the final response
      clock.advance(1);
      // Timer K fired: the transaction is gone, a late copy is a stray.
      layer.receive(ok, SERVER);
      expect(h.finals).to.deep.equal([200]);
      expect(layer.stats.strayResponses).to.equal(1);
      expect(clock.pending).to.equal(0);
      expect(h.timeouts).to.deep.equal([]);
    });

    it("times out at once when the transport cannot send", () => {
      const { clock, transport, layer } = setup();
      transport.accepting = false;
      const h = recorder();
      layer.send(subscribe(), h);
      expect(h.timeouts).to.deep.equal(["transport is not open"]);
      expect(layer.pending).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it("abortAll times out what is pending and leaves no timer behind", () => {
      const { clock, transport, layer } = setup();
      const answered = recorder();
      const waiting = recorder();
      layer.send(subscribe(), answered);
      layer.receive(answer(transport.sent[0]!.data, 200), SERVER); // now in timer K
      layer.send(subscribe(), waiting);
      layer.receive(notify(), SERVER); // a server entry in timer J
      layer.abortAll("connection lost");
      expect(waiting.timeouts).to.deep.equal(["connection lost"]);
      expect(answered.timeouts).to.deep.equal([]);
      expect(answered.finals).to.deep.equal([200]);
      expect(clock.pending).to.equal(0);
    });
  });

  describe("client transactions on a reliable transport", () => {
    it("never retransmits; only timer F ends a transaction without an answer", () => {
      const { clock, transport, layer, since } = setup("tcp");
      const h = recorder();
      let timeoutAt = -1;
      layer.send(subscribe(), { ...h, onTimeout: (reason) => ((timeoutAt = since(clock.now())), h.onTimeout(reason)) });
      expect(clock.pending).to.equal(1); // timer F, and nothing else
      clock.advance(40_000);
      expect(transport.sent).to.have.length(1);
      expect(timeoutAt).to.equal(64 * T1);
      expect(layer.stats.retransmissions).to.equal(0);
      expect(parseRequest(transport.sent[0]!.data).topVia.rport).to.equal(undefined);
    });

    it("ends the transaction with the final response (timer K is zero)", () => {
      const { clock, transport, layer } = setup("tcp");
      const h = recorder();
      layer.send(subscribe(), h);
      const ok = answer(transport.sent[0]!.data, 200);
      layer.receive(ok, SERVER);
      expect(h.finals).to.deep.equal([200]);
      expect(clock.pending).to.equal(0);
      expect(layer.pending).to.equal(0);
    });
  });

  describe("server transactions", () => {
    it("answers a retransmitted request from the cache; the handler sees it once", () => {
      const { clock, transport, layer, requests } = setup();
      const from: Remote = { address: "192.0.2.10", port: 5060 };
      layer.receive(notify(), from);
      clock.advance(T1);
      layer.receive(notify(), from);
      clock.advance(2 * T1);
      layer.receive(notify(), from);
      expect(requests).to.have.length(1);
      expect(transport.replies).to.have.length(3);
      for (const r of transport.replies) {
        expect(r.data.equals(transport.replies[0]!.data)).to.equal(true);
        expect(r.remote).to.deep.equal(from);
      }
      expect(parseResponse(transport.replies[0]!.data).status).to.equal(200);
      expect(layer.stats.absorbedRetransmissions).to.equal(2);
    });

    it("forgets the answered request 64·T1 after the answer (timer J)", () => {
      const { clock, transport, layer, requests } = setup();
      layer.receive(notify(), SERVER);
      clock.advance(64 * T1 - 1);
      layer.receive(notify(), SERVER);
      expect(requests).to.have.length(1);
      clock.advance(1);
      expect(clock.pending).to.equal(0);
      // A copy after timer J is a new request as far as the layer can tell.
      layer.receive(notify(), SERVER);
      expect(requests).to.have.length(2);
      expect(transport.replies).to.have.length(3);
    });

    it("still forgets an entry 64·T1 on when the wall clock stepped back an hour meanwhile", () => {
      const { clock, layer, requests } = setup();
      layer.receive(notify(), SERVER);
      clock.stepWallClock(-3_600_000);
      clock.advance(64 * T1);
      // Kept for an hour more, a burst of NOTIFYs after an NTP correction would pile up in memory.
      expect(clock.pending).to.equal(0);
      layer.receive(notify(), SERVER);
      expect(requests).to.have.length(2);
    });

    it("absorbs a retransmission that arrives before the handler answered, and sends nothing for it", () => {
      const held: Responder[] = [];
      const { transport, layer, requests } = setup("udp", (_r, respond) => held.push(respond));
      layer.receive(notify(), SERVER);
      layer.receive(notify(), SERVER);
      expect(requests).to.have.length(1);
      expect(transport.replies).to.have.length(0);
      held[0]!(200);
      held[0]!(500); // a second answer is ignored
      layer.receive(notify(), SERVER);
      expect(transport.replies.map((r) => parseResponse(r.data).status)).to.deep.equal([200, 200]);
    });

    it("tells different requests apart by branch", () => {
      const { transport, layer, requests } = setup();
      layer.receive(notify("z9hG4bKa", 1), SERVER);
      layer.receive(notify("z9hG4bKb", 2), SERVER);
      expect(requests.map((r) => r.cseq.seq)).to.deep.equal([1, 2]);
      expect(transport.replies).to.have.length(2);
    });

    it("answers 500 when the handler throws, instead of throwing into the transport", () => {
      const { transport, layer, requests } = setup("udp", () => {
        throw new Error("handler bug");
      });
      expect(() => layer.receive(notify(), SERVER)).to.not.throw();
      expect(requests).to.have.length(1);
      expect(transport.replies.map((r) => parseResponse(r.data).status)).to.deep.equal([500]);
      // The retransmission gets the same answer from the cache.
      layer.receive(notify(), SERVER);
      expect(transport.replies.map((r) => parseResponse(r.data).status)).to.deep.equal([500, 500]);
      expect(layer.stats.handlerErrors).to.equal(1);
    });

    it("keeps no cache on a reliable transport (no retransmissions there)", () => {
      const { clock, layer, requests } = setup("tcp");
      layer.receive(notify(), SERVER);
      expect(clock.pending).to.equal(0);
      layer.receive(notify(), SERVER);
      expect(requests).to.have.length(2);
    });
  });

  describe("malformed and stray messages", () => {
    it("answers 400 to a malformed request that has what an answer needs", () => {
      const { transport, layer, requests } = setup();
      const bad = Buffer.from(
        notify()
          .toString("utf8")
          .replace("CSeq: 1 NOTIFY", "CSeq: one NOTIFY"),
      );
      layer.receive(bad, SERVER);
      expect(requests).to.have.length(0);
      expect(transport.replies).to.have.length(1);
      // The answer copies the request's (bad) CSeq, as RFC 3261 §8.2.6.2 says, so read it as text.
      const text = transport.replies[0]!.data.toString("utf8");
      expect(text).to.match(/^SIP\/2\.0 400 Bad CSeq\r\n/);
      expect(text).to.contain("Call-ID: call-1\r\n").and.contain("branch=z9hG4bKnotify1").and.contain("CSeq: one NOTIFY\r\n");
      expect(transport.replies[0]!.remote).to.deep.equal(SERVER);
      expect(layer.stats.parseErrors).to.deep.equal({ "bad-cseq": 1 });
    });

    it("sends nothing for garbage and counts it", () => {
      const { transport, layer, requests } = setup();
      layer.receive(Buffer.from("hello there\r\n\r\n"), SERVER);
      layer.receive(Buffer.from([0xff, 0x00, 0x13, 0x37]), SERVER);
      expect(requests).to.have.length(0);
      expect(transport.replies).to.have.length(0);
      expect(transport.sent).to.have.length(0);
      const counted = Object.values(layer.stats.parseErrors).reduce((a, b) => a + b, 0);
      expect(counted).to.equal(2);
      expect(layer.stats.received).to.equal(2);
    });

    it("sends nothing for a malformed response", () => {
      const { transport, layer } = setup();
      layer.receive(Buffer.from("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKx\r\nCall-ID: c\r\n\r\n"), SERVER);
      expect(transport.replies).to.have.length(0);
      expect(layer.stats.parseErrors).to.deep.equal({ "missing-header": 1 });
    });

    it("counts responses that match no transaction, and drops them", () => {
      const { transport, layer } = setup();
      const h = recorder();
      layer.send(subscribe(), h);
      const mine = parseRequest(transport.sent[0]!.data);
      const other = serializeRequest({ method: "SUBSCRIBE", uri: "sip:x@192.0.2.10", headers: [["Via", "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKunknown"], ...subscribe().headers] });
      layer.receive(answer(other, 200), SERVER);
      // Same branch, other method: not this transaction either (RFC 3261 §17.1.3).
      layer.receive(Buffer.from(answer(transport.sent[0]!.data, 200).toString("utf8").replace("1 SUBSCRIBE", "1 NOTIFY")), SERVER);
      expect(layer.stats.strayResponses).to.equal(2);
      expect(h.finals).to.deep.equal([]);
      expect(mine.method).to.equal("SUBSCRIBE");
      expect(transport.replies).to.have.length(0);
    });
  });
});

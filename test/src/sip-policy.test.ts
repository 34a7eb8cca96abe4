import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConnectorStatus, RichState } from "@presence-hub/core";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { sippAvailable, startSipp, type SippRun } from "./support/sipp-process.js";
import { receivedRequests, sipHeader, type SipTraceMessage } from "./support/sipp-trace.js";

/**
 * The sip-simple connector's subscription policy (RFC 6665) against a real SIP peer: SIPp runs
 * the notifier side of each rule (test/fixtures/sipp/uas-*.xml), a real hub with one
 * sip-simple connector and one watched user (alice, rich presence) subscribes to it. Each test
 * asserts on what went over the wire (SIPp's message trace) and on what the hub shows, and
 * SIPp must end with every call it expected completed (exit code 0): an unexpected message
 * fails its call. Ports 25300-25399; T1 is 100 ms, so 64·T1 timers (6.4 s) fit in a test,
 * while SIPp still has 100 ms to answer before a retransmission (which SIPp would match to
 * its next recv, not to the request it already answered).
 */
describe("sip-simple subscription policy against SIPp", function () {
  this.timeout(40_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-sip-policy-"));

  before(() => sippAvailable());

  interface Peer {
    readonly hub: TestHub;
    readonly sipp: SippRun;
  }

  interface PeerOptions {
    /** Scenario file in test/fixtures/sipp. */
    scenario: string;
    /** SIPp calls the run must complete: 1 for the health probe + one per subscription dialog. */
    calls: number;
    /** SIPp's port (the connector's server). */
    port: number;
    transport?: "udp" | "tcp";
    template?: Record<string, string>;
    /** Connector settings over the defaults below. */
    connector?: Record<string, unknown>;
    /** Watched users (rich presence on `sip:<name>@127.0.0.1`). Default alice. */
    users?: readonly string[];
  }

  /**
   * Runs SIPp with the scenario, then a hub pointed at it; runs `body`; stops the hub (which
   * unsubscribes) and waits for SIPp to finish every call it expected. Returns SIPp's trace.
   */
  async function withPeer(o: PeerOptions, body: (peer: Peer) => Promise<void>): Promise<SipTraceMessage[]> {
    const transport = o.transport ?? "udp";
    const sipp = await startSipp({
      scenario: o.scenario,
      name: `${o.scenario.replace(/\.xml$/, "")}-${transport}`,
      traceDir: tmp,
      localPort: o.port,
      transport,
      maxCalls: o.calls,
      template: o.template,
      timeoutMs: 30_000,
    });
    let hub: TestHub | undefined;
    try {
      await listening(o.port, transport, sipp);
      hub = await startTestHub({
        config: {
          presence: { monitorAll: true },
          connectors: [
            {
              id: "sipp",
              type: "sip-simple",
              server: `127.0.0.1:${o.port}`,
              protocol: transport,
              uri: "hub@127.0.0.1",
              authId: "hub",
              password: "secret",
              t1Ms: 100,
              subscribeRate: 1000,
              subscribeBurst: 100,
              // One probe per run (at start): a periodic one would be an extra SIPp call.
              healthCheckSeconds: 3600,
              ...o.connector,
            },
          ],
          users: (o.users ?? ["alice"]).map((u) => ({ username: u, displayName: u, sipUri: `sip:${u}@127.0.0.1` })),
        },
      });
      await body({ hub, sipp });
      const stopping = hub;
      hub = undefined;
      await stopping.stop();
      // Every expected call ends within moments of the hub's unsubscribe; a call still waiting
      // (e.g. for an unsubscribe that never came) is stopped so finished() reports it now.
      await Promise.race([sipp.result(), new Promise((r) => setTimeout(r, 3_000))]);
      if (!sipp.finishedYet) await sipp.stop();
      return [...(await sipp.finished()).messages];
    } finally {
      await hub?.stop();
      if (!sipp.finishedYet) await sipp.stop();
    }
  }

  const rich = (p: Peer) => p.hub.app.hub.presence("alice")!.rich as RichState;
  const health = (p: Peer) => p.hub.app.hub.connectorInfo("sipp").health;
  /** Waits until alice's rich state satisfies `check`; returns that state. */
  async function waitRich(p: Peer, what: string, check: (s: RichState) => boolean, timeoutMs = 10_000): Promise<RichState> {
    const state = await waitFor(what, () => (check(rich(p)) ? rich(p) : null), timeoutMs);
    return state!;
  }

  describe("423 Interval Too Brief", () => {
    for (const [transport, port] of [["udp", 25300], ["tcp", 25301]] as const) {
      it(`retries with Min-Expires on the same Call-ID, CSeq+1 (${transport.toUpperCase()})`, async () => {
        const trace = await withPeer({ scenario: "uas-423.xml", calls: 2, port, transport }, async (p) => {
          await waitRich(p, "alice away after the 423 retry", (s) => s.message === "after 423");
          expect(rich(p).status).to.equal("away");
        });
        const subs = aliceSubscribes(trace);
        expect(subs.map((m) => [header(m, "CSeq"), header(m, "Expires")])).to.deep.equal([
          ["1 SUBSCRIBE", "600"],
          ["2 SUBSCRIBE", "900"],
          ["3 SUBSCRIBE", "0"],
        ]);
        expect(new Set(subs.map((m) => header(m, "Call-ID"))).size).to.equal(1);
        expect(new Set(subs.map((m) => tagOf(header(m, "From")))).size).to.equal(1);
        // The 423 made no dialog: the retry is still out of dialog; the unsubscribe is in it.
        expect(tagOf(header(subs[1]!, "To"))).to.equal(undefined);
        expect(tagOf(header(subs[2]!, "To"))).to.equal(tagOf(header(sentResponse(trace, 200, "2 SUBSCRIBE"), "To")));
        expect(subs[0]!.raw).to.match(new RegExp(`^Via: SIP/2\\.0/${transport.toUpperCase()} `, "m"));
      });
    }
  });

  describe("digest", () => {
    it("answers 401 on the same Call-ID with CSeq+1 and MD5 credentials that verify; 407 on the unsubscribe too", async () => {
      const trace = await withPeer({ scenario: "uas-digest.xml", calls: 2, port: 25305 }, async (p) => {
        await waitRich(p, "alice subscribed after the challenge", (s) => s.message === "authenticated");
        expect(health(p).status).to.equal("up-and-running");
      });
      const subs = aliceSubscribes(trace);
      expect(subs.map((m) => header(m, "CSeq"))).to.deep.equal(["1 SUBSCRIBE", "2 SUBSCRIBE", "3 SUBSCRIBE", "4 SUBSCRIBE"]);
      expect(new Set(subs.map((m) => header(m, "Call-ID"))).size).to.equal(1);
      expect(header(subs[0]!, "Authorization")).to.equal(undefined);
      expect(header(subs[1]!, "Authorization")).to.match(/^Digest .*username="hub".*realm="127\.0\.0\.1"/).and.match(/qop=auth/);
      // SIPp's verifyauth checked both answers (a failed check fails the run).
      expect(header(subs[3]!, "Proxy-Authorization")).to.match(/^Digest .*realm="proxy\.test"/);
      expect(header(subs[3]!, "Expires")).to.equal("0");
    });
  });

  describe("Subscription-State: terminated", () => {
    it("probation with retry-after=2: re-subscribes after 2 s (seconds, not ms) with a new dialog", async () => {
      const trace = await withPeer({ scenario: "uas-probation.xml", calls: 3, port: 25310 }, async (p) => {
        const failed = await waitRich(p, "alice error while on probation", (s) => s.status === "error");
        expect(failed.reason).to.match(/probation/);
        await waitRich(p, "alice back after probation", (s) => s.message === "after probation");
      });
      const terminated = trace.find((m) => m.direction === "sent" && m.method === "NOTIFY" && /^terminated/.test(header(m, "Subscription-State") ?? ""))!;
      expect(header(terminated, "Subscription-State")).to.equal("terminated;reason=probation;retry-after=2");
      const [first, again] = initialSubscribes(trace);
      expect(again, "a second subscription").to.not.equal(undefined);
      const gap = ms(again!) - ms(terminated);
      expect(gap).to.be.within(2_000, 2_600);
      expect(header(again!, "Call-ID")).to.not.equal(header(first!, "Call-ID"));
      expect(tagOf(header(again!, "From"))).to.not.equal(tagOf(header(first!, "From")));
      expect(header(again!, "CSeq")).to.equal("1 SUBSCRIBE");
      // The hub answered the terminated NOTIFY (200), it did not just drop the dialog.
      expect(receivedResponseTo(trace, "2 NOTIFY")?.status).to.equal(200);
    });

    const againAtOnce = ["terminated;reason=deactivated", "terminated;reason=timeout"];
    againAtOnce.forEach((state, i) => {
      it(`${state}: re-subscribes at once with a new dialog`, async () => {
        const trace = await withPeer({ scenario: "uas-terminated.xml", calls: 3, port: 25350 + i, template: { STATE: state } }, async (p) => {
          await waitRich(p, "alice on the new dialog", (s) => s.message === "subscribed again");
        });
        const [first, again] = initialSubscribes(trace);
        expect(header(again!, "Call-ID")).to.not.equal(header(first!, "Call-ID"));
        expect(ms(again!) - ms(sentNotify(trace, "2 NOTIFY"))).to.be.below(500);
      });
    });

    const refused: [state: string, status: RichState["status"]][] = [
      ["terminated;reason=rejected", "access-denied"],
      ["terminated;reason=noresource", "not-found"],
    ];
    refused.forEach(([state, status], i) => {
      it(`${state}: shows ${status} and does not re-subscribe right away`, async () => {
        await withPeer({ scenario: "uas-terminated.xml", calls: 2, port: 25352 + i, template: { STATE: state } }, async (p) => {
          await waitRich(p, `alice ${status}`, (s) => s.status === status);
          await new Promise((r) => setTimeout(r, 1_000));
          const out = p.hub.app.hub.connectorTrace("sipp").filter((t) => t.direction === "out" && t.text.startsWith("SUBSCRIBE sip:alice@127.0.0.1 "));
          expect(out, "SUBSCRIBEs for alice").to.have.length(1);
          expect(rich(p).status).to.equal(status);
        });
      });
    });

    it("terminated without a reason: shows an error and re-subscribes after a backoff", async () => {
      const trace = await withPeer({ scenario: "uas-terminated.xml", calls: 3, port: 25354, template: { STATE: "terminated" } }, async (p) => {
        await waitRich(p, "alice error", (s) => s.status === "error");
        await waitRich(p, "alice on the new dialog", (s) => s.message === "subscribed again");
      });
      const [, again] = initialSubscribes(trace);
      // The first backoff is drawn from [2.5 s, 5 s].
      expect(ms(again!) - ms(sentNotify(trace, "2 NOTIFY"))).to.be.within(2_500, 5_500);
    });
  });

  describe("refresh", () => {
    it("refreshes in the dialog at max(E/2, E-35 s) of the 2xx Expires; a 481 to it starts a fresh dialog at once", async () => {
      const trace = await withPeer({ scenario: "uas-refresh-481.xml", calls: 3, port: 25315 }, async (p) => {
        await waitRich(p, "alice on the fresh dialog", (s) => s.message === "fresh dialog", 15_000);
      });
      const subs = aliceSubscribes(trace);
      const firstOk = sentResponse(trace, 200, "1 SUBSCRIBE");
      const dialogCallId = header(firstOk, "Call-ID");
      const refresh = subs.find((m) => header(m, "Call-ID") === dialogCallId && header(m, "CSeq") === "2 SUBSCRIBE")!;
      expect(refresh, "the refresh").to.not.equal(undefined);
      // Expires: 4 → refresh after max(2, -31) = 2 s.
      expect(ms(refresh) - ms(firstOk)).to.be.within(1_900, 2_600);
      expect(tagOf(header(refresh, "To"))).to.equal(tagOf(header(firstOk, "To")));
      expect(refresh.startLine).to.match(/^SUBSCRIBE sip:alice@127\.0\.0\.1:25315;transport=UDP SIP\/2\.0$/); // the notifier's Contact
      const rejected = trace.find((m) => m.direction === "sent" && m.status === 481)!;
      const fresh = initialSubscribes(trace).find((m) => header(m, "Call-ID") !== dialogCallId)!;
      expect(fresh, "a fresh SUBSCRIBE").to.not.equal(undefined);
      expect(ms(fresh) - ms(rejected)).to.be.below(500);
      expect(header(fresh, "CSeq")).to.equal("1 SUBSCRIBE");
      expect(tagOf(header(fresh, "To"))).to.equal(undefined);
      // A fresh dialog asks for the configured duration again, not the 4 s the old one was granted.
      expect(header(fresh, "Expires")).to.equal("600");
    });
  });

  describe("refresh without NOTIFY", () => {
    it("keeps the dialog when no NOTIFY follows a refresh's 2xx: timer N is for new subscriptions only", async () => {
      // Expires 14: refreshes every 7 s; timer N (6.4 s) would fire before the second one.
      const trace = await withPeer({ scenario: "uas-refresh-no-notify.xml", calls: 2, port: 25360 }, async (p) => {
        await waitRich(p, "alice subscribed", (s) => s.message === "subscribed");
        await p.sipp.waitFor((m) => aliceSubscribes(m).some((x) => header(x, "CSeq") === "3 SUBSCRIBE"), 18_000, "the second refresh");
        expect(rich(p).status).to.equal("away");
      });
      const subs = aliceSubscribes(trace);
      expect(subs.map((m) => header(m, "CSeq"))).to.deep.equal(["1 SUBSCRIBE", "2 SUBSCRIBE", "3 SUBSCRIBE", "4 SUBSCRIBE"]);
      expect(new Set(subs.map((m) => header(m, "Call-ID"))).size).to.equal(1);
    });
  });

  describe("forked NOTIFYs", () => {
    it("keeps the first dialog and answers 481 to a NOTIFY from another fork", async () => {
      const trace = await withPeer({ scenario: "uas-fork.xml", calls: 2, port: 25320 }, async (p) => {
        await waitRich(p, "the first fork's second NOTIFY", (s) => s.message === "first fork again");
      });
      const notifies = trace.filter((m) => m.direction === "sent" && m.method === "NOTIFY");
      expect(notifies).to.have.length(3);
      const answers = trace.filter((m) => m.direction === "received" && m.status !== undefined && /NOTIFY$/.test(header(m, "CSeq") ?? ""));
      expect(answers.map((a) => [tagOf(header(a, "From")), a.status])).to.deep.equal([
        [tagOf(header(notifies[0]!, "From")), 200],
        [tagOf(header(notifies[1]!, "From")), 481],
        [tagOf(header(notifies[2]!, "From")), 200],
      ]);
      expect(tagOf(header(notifies[1]!, "From"))).to.not.equal(tagOf(header(notifies[0]!, "From")));
    });
  });

  describe("bad NOTIFYs in a dialog", () => {
    it("answers 400 to a malformed Event or Subscription-State and 489 to another package, and keeps the dialog", async () => {
      const trace = await withPeer({ scenario: "uas-bad-notify.xml", calls: 2, port: 25370 }, async (p) => {
        await waitRich(p, "alice after the bad NOTIFYs", (s) => s.message === "still here");
      });
      const answers = ["2 NOTIFY", "3 NOTIFY", "4 NOTIFY", "5 NOTIFY"].map((c) => receivedResponseTo(trace, c)?.status);
      expect(answers).to.deep.equal([400, 489, 400, 200]);
      expect(initialSubscribes(trace)).to.have.length(1);
    });
  });

  describe("out-of-order CSeq", () => {
    it("answers 500 to a NOTIFY with a lower CSeq and re-subscribes for a fresh dialog", async () => {
      const trace = await withPeer({ scenario: "uas-out-of-order.xml", calls: 3, port: 25325 }, async (p) => {
        await waitRich(p, "alice after the resync", (s) => s.message === "after resync");
      });
      const answer = receivedResponseTo(trace, "4 NOTIFY")!;
      expect(answer.startLine).to.equal("SIP/2.0 500 Out of Order CSeq");
      expect(header(answer, "Retry-After")).to.equal("1");
      expect(initialSubscribes(trace)).to.have.length(2);
    });
  });

  describe("timer N", () => {
    it("fails a 2xx that no NOTIFY follows within 64·T1, shows an error, and retries after a backoff", async () => {
      const t1Ms = 100;
      const trace = await withPeer({ scenario: "uas-no-notify.xml", calls: 3, port: 25330 }, async (p) => {
        const failed = await waitRich(p, "alice error after timer N", (s) => s.status === "error", 10_000);
        expect(failed.reason).to.match(/timer N/);
        await waitRich(p, "alice after the retry", (s) => s.message === "after timer N", 12_000);
      });
      const ok = sentResponse(trace, 200, "1 SUBSCRIBE");
      const [, retry] = initialSubscribes(trace);
      expect(retry, "a second subscription").to.not.equal(undefined);
      // Timer N (64·T1 = 6.4 s) plus a first backoff drawn from [2.5 s, 5 s].
      expect(ms(retry!) - ms(ok)).to.be.within(64 * t1Ms + 2_500, 64 * t1Ms + 5_000 + 500);
      expect(header(retry!, "Call-ID")).to.not.equal(header(ok, "Call-ID"));
    });
  });

  describe("health probe", () => {
    const cases: [answer: string, status: ConnectorStatus][] = [
      ["404 Not Found", "credentials-not-found"],
      ["480 Temporarily Unavailable", "credentials-not-found"],
      ["604 Does Not Exist Anywhere", "credentials-not-found"],
      ["403 Forbidden", "forbidden"],
    ];
    cases.forEach(([answer, status], i) => {
      it(`${answer.slice(0, 3)} to the presence fetch of the connector's own URI → ${status}`, async () => {
        const trace = await withPeer({ scenario: "uas-credentials-not-found.xml", calls: 2, port: 25335 + i, template: { PROBE_ANSWER: answer } }, async (p) => {
          await waitFor(status, () => health(p).status === status);
          expect(health(p).detail).to.contain(answer.slice(0, 3));
          // The server works: subscriptions do.
          await waitRich(p, "alice subscribed", (s) => s.message === "server works");
        });
        const probe = subscribes(trace).find((m) => m.startLine.startsWith("SUBSCRIBE sip:hub@127.0.0.1 "))!;
        expect(header(probe, "Expires")).to.equal("0");
        expect(header(probe, "Event")).to.equal("presence");
        expect(header(probe, "To")).to.equal("<sip:hub@127.0.0.1>");
      });
    });

    it("no answer → connection-error", async () => {
      // Nothing listens on 25399: the probe's transaction times out after 64·T1.
      const hub = await startTestHub({
        config: {
          connectors: [{ id: "sipp", type: "sip-simple", server: "127.0.0.1:25399", uri: "hub@127.0.0.1", t1Ms: 50, healthCheckSeconds: 3600 }],
          users: [],
        },
      });
      try {
        await waitFor("probe timed out", () => /no answer/.test(hub.app.hub.connectorInfo("sipp").health.detail ?? ""), 8_000);
        expect(hub.app.hub.connectorInfo("sipp").health.status).to.equal("connection-error");
      } finally {
        await hub.stop();
      }
    });
  });

  describe("pacing", () => {
    it("sends out-of-dialog SUBSCRIBEs as a burst, then at the configured rate", async () => {
      // uas-unsubscribe.xml serves any number of subscriptions, one SIPp call each.
      const users = ["u1", "u2", "u3", "u4", "u5", "u6"];
      const trace = await withPeer(
        { scenario: "uas-unsubscribe.xml", calls: 1 + users.length, port: 25365, connector: { subscribeRate: 5, subscribeBurst: 2 }, users },
        async (p) => {
          await p.sipp.waitFor((m) => initialSubscribes(m, "").length === users.length, 5_000, "every SUBSCRIBE");
        },
      );
      const subs = initialSubscribes(trace, "");
      const t0 = ms(subs[0]!);
      const offsets = subs.map((m) => ms(m) - t0);
      // Burst 2 at once, then one per 200 ms.
      expect(offsets[1]).to.be.below(50);
      for (let i = 2; i < subs.length; i++) expect(offsets[i], `SUBSCRIBE ${i + 1}`).to.be.within((i - 1) * 200 - 20, (i - 1) * 200 + 120);
    });
  });

  describe("resource list", () => {
    it("watches a member the list never speaks of one by one after listMemberTimeout, the others through the list", async () => {
      const trace = await withPeer(
        {
          scenario: "uas-rls-silent-member.xml",
          calls: 3, // probe, list, bob's own
          port: 25375,
          connector: { resourceListUri: "sip:team@127.0.0.1", listMemberTimeout: 2 },
          users: ["alice", "bob"],
        },
        async (p) => {
          const richOf = (u: string) => p.hub.app.hub.presence(u)!.rich as RichState;
          await waitFor("alice busy through the list", () => richOf("alice").message === "from the list", 5_000);
          expect(richOf("bob").message).to.not.equal("on his own");
          await waitFor("bob away through his own subscription", () => richOf("bob").message === "on his own", 8_000);
          expect(p.hub.app.hub.connectorCounters("sipp")["list.members_released"]).to.equal(1);
        },
      );
      const listNotify = trace.find((m) => m.direction === "sent" && m.startLine.startsWith("NOTIFY ") && /multipart\/related/.test(header(m, "Content-Type") ?? ""));
      const [bobSubscribe] = initialSubscribes(trace, "bob");
      expect(listNotify, "the list's NOTIFY").to.not.equal(undefined);
      expect(bobSubscribe, "bob's own SUBSCRIBE").to.not.equal(undefined);
      // Not before the list had its listMemberTimeout to speak of him.
      expect(ms(bobSubscribe!) - ms(listNotify!)).to.be.within(1_900, 4_000);
      expect(initialSubscribes(trace, "alice")).to.have.length(0);
      expect(initialSubscribes(trace, "team")).to.have.length(1);
    });
  });

  describe("unsubscribe", () => {
    it("unsubscribes a dialog its 2xx made, even before the first NOTIFY", async () => {
      const trace = await withPeer({ scenario: "uas-stop-before-notify.xml", calls: 2, port: 25361 }, async (p) => {
        await p.sipp.waitFor((m) => findSentResponse(m, 200, "1 SUBSCRIBE") !== undefined, 5_000, "the 200 to the SUBSCRIBE");
      });
      const [subscribe, unsubscribe] = aliceSubscribes(trace);
      expect(unsubscribe, "an unsubscribe").to.not.equal(undefined);
      expect(header(unsubscribe!, "Expires")).to.equal("0");
      expect(header(unsubscribe!, "Call-ID")).to.equal(header(subscribe!, "Call-ID"));
      expect(tagOf(header(unsubscribe!, "To"))).to.equal(tagOf(header(sentResponse(trace, 200, "1 SUBSCRIBE"), "To")));
    });

    for (const [transport, port] of [["udp", 25345], ["tcp", 25346]] as const) {
      it(`sends SUBSCRIBE Expires: 0 in the dialog on stop and still answers the final NOTIFY (${transport.toUpperCase()})`, async () => {
        const trace = await withPeer({ scenario: "uas-unsubscribe.xml", calls: 2, port, transport }, async (p) => {
          await waitRich(p, "alice subscribed", (s) => s.message === "subscribed");
        });
        const [subscribe, unsubscribe] = aliceSubscribes(trace);
        const ok = sentResponse(trace, 200, "1 SUBSCRIBE");
        expect(header(unsubscribe!, "Expires")).to.equal("0");
        expect(header(unsubscribe!, "Call-ID")).to.equal(header(subscribe!, "Call-ID"));
        expect(header(unsubscribe!, "CSeq")).to.equal("2 SUBSCRIBE");
        expect(tagOf(header(unsubscribe!, "From"))).to.equal(tagOf(header(subscribe!, "From")));
        expect(tagOf(header(unsubscribe!, "To"))).to.equal(tagOf(header(ok, "To")));
        expect(unsubscribe!.startLine).to.equal(`SUBSCRIBE sip:alice@127.0.0.1:${port};transport=${transport.toUpperCase()} SIP/2.0`);
        expect(receivedResponseTo(trace, "2 NOTIFY")?.status).to.equal(200);
      });
    }
  });

  // ─── trace helpers ──────────────────────────────────────────────────────────────────────────

  function header(m: SipTraceMessage, name: string): string | undefined {
    return sipHeader(m, name);
  }

  function tagOf(nameAddr: string | undefined): string | undefined {
    return /;\s*tag=([^;\s]+)/i.exec(nameAddr ?? "")?.[1];
  }

  /** SUBSCRIBEs SIPp received, in order (probe included). */
  function subscribes(trace: readonly SipTraceMessage[]): SipTraceMessage[] {
    return receivedRequests(trace, "SUBSCRIBE");
  }

  /** SUBSCRIBEs of alice's subscription (no probe), in order; UDP retransmissions left out. */
  function aliceSubscribes(trace: readonly SipTraceMessage[]): SipTraceMessage[] {
    const seen = new Set<string>();
    return subscribes(trace).filter((m) => {
      const key = `${header(m, "Call-ID")} ${header(m, "CSeq")}`;
      if (!m.startLine.startsWith("SUBSCRIBE sip:alice@") || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Out-of-dialog SUBSCRIBEs for a user (default alice; "" for every user but the probe's), one per dialog attempt, in order. */
  function initialSubscribes(trace: readonly SipTraceMessage[], user = "alice"): SipTraceMessage[] {
    const seen = new Set<string | undefined>();
    return subscribes(trace).filter((m) => {
      if (!m.startLine.startsWith(`SUBSCRIBE sip:${user}`) || m.startLine.startsWith("SUBSCRIBE sip:hub@")) return false;
      if (tagOf(header(m, "To")) !== undefined || header(m, "CSeq") !== "1 SUBSCRIBE") return false;
      // A UDP retransmission is the same attempt.
      if (seen.has(header(m, "Call-ID"))) return false;
      seen.add(header(m, "Call-ID"));
      return true;
    });
  }

  /** The response SIPp sent with this status to alice's request with this CSeq (the first such). */
  function findSentResponse(trace: readonly SipTraceMessage[], status: number, cseq: string): SipTraceMessage | undefined {
    return trace.find((x) => x.direction === "sent" && x.status === status && header(x, "CSeq") === cseq && !/sip:hub@/.test(header(x, "To") ?? ""));
  }

  /** Like {@link findSentResponse}, but it must exist. */
  function sentResponse(trace: readonly SipTraceMessage[], status: number, cseq: string): SipTraceMessage {
    const m = findSentResponse(trace, status, cseq);
    if (!m) throw new Error(`SIPp sent no ${status} to ${cseq}`);
    return m;
  }

  /** The NOTIFY SIPp sent with this CSeq (the first such). */
  function sentNotify(trace: readonly SipTraceMessage[], cseq: string): SipTraceMessage {
    const m = trace.find((x) => x.direction === "sent" && x.method === "NOTIFY" && header(x, "CSeq") === cseq);
    if (!m) throw new Error(`SIPp sent no NOTIFY with CSeq ${cseq}`);
    return m;
  }

  /** The hub's answer to the request SIPp sent with this CSeq. */
  function receivedResponseTo(trace: readonly SipTraceMessage[], cseq: string): SipTraceMessage | undefined {
    return trace.find((x) => x.direction === "received" && x.status !== undefined && header(x, "CSeq") === cseq);
  }

  /** SIPp's timestamp of a message, in ms (only differences are used). */
  function ms(m: SipTraceMessage): number {
    const [date, time] = m.at.split(" ");
    return Date.parse(`${date}T${time!.slice(0, 12)}Z`);
  }
});

/** Resolves once SIPp has bound its port (UDP socket or TCP listener), read from /proc/net. */
async function listening(port: number, transport: "udp" | "tcp", sipp: SippRun): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  await waitFor(`SIPp listening on ${transport} ${port}`, () => {
    // A scenario SIPp refuses ends the process at once: say so instead of waiting.
    if (sipp.finishedYet) throw new Error(`SIPp exited before listening; see ${sipp.files.output}`);
    const table = readFileSync(`/proc/net/${transport}`, "utf8").split("\n");
    // local_address is field 1 (`0100007F:62B4`); state 0A is LISTEN (TCP); UDP sockets show 07.
    return table.some((line) => {
      const f = line.trim().split(/\s+/);
      return f[1]?.endsWith(`:${hex}`) && (transport === "udp" || f[3] === "0A");
    });
  }, 5_000, 20);
}

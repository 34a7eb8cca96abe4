/**
 * Self-test of the Kamailio interop fixture (test/fixtures/kamailio, test/fixtures/sipp,
 * test/src/support/{kamailio,sipp,sip-probe,tls-certs}.ts): the real server answers on every
 * transport, authenticates, notifies, serves RFC 4662 lists, turns a real call into dialog-info,
 * runs in its alternative modes, and restarts. No product code is involved, so when this
 * fails the fixture (or the machine) is broken, not the connector.
 *
 * Ports: 25060-25099 (Kamailio 25060/25061, 25065, 25070; SIPp peers 25080-25099).
 * Needs the Debian packages kamailio, kamailio-presence-modules, kamailio-sqlite-modules,
 * kamailio-tls-modules, sqlite3, openssl, sip-tester.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  KAMAILIO_ACCOUNTS,
  KAMAILIO_LISTS,
  kamailioAvailable,
  startKamailio,
  type KamailioInstance,
} from "./support/kamailio.js";
import { sipOptions, type SipProbeTransport } from "./support/sip-probe.js";
import {
  multipartParts,
  placeCall,
  PresencePublisher,
  receivedRequests,
  receivedResponses,
  sipHeader,
  sippAvailable,
  startWatcher,
  subscriptionState,
  type SipTraceMessage,
} from "./support/sipp.js";

const KAM_PORTS = { udp: 25060, tls: 25061 };

/** dialog-info `<state>` values of a NOTIFY body, lower-cased (Kamailio writes "Trying"). */
function dialogStates(n: SipTraceMessage): string {
  return [...n.body.matchAll(/<state[^>]*>([^<]*)<\/state>/g)].map((m) => (m[1] ?? "").toLowerCase()).join(",");
}

describe("Kamailio interop fixture (self-test)", function () {
  this.timeout(30_000);
  let dir: string;
  let kam: KamailioInstance;
  let failed = false;

  before(async function () {
    this.timeout(20_000);
    kamailioAvailable();
    sippAvailable();
    dir = mkdtempSync(path.join(os.tmpdir(), "ph-kam-selftest-"));
    kam = await startKamailio({ ports: KAM_PORTS, parentDir: dir });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    await kam?.stop();
    // keep everything (Kamailio log, SIPp traces) when something failed
    if (failed) console.log(`    fixture files kept in ${dir}`);
    else if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers OPTIONS on UDP, TCP and TLS (certificate verified against the generated CA)", async () => {
    const ports: Record<SipProbeTransport, number> = { udp: kam.ports.udp, tcp: kam.ports.tcp, tls: kam.ports.tls as number };
    for (const transport of ["udp", "tcp", "tls"] as const) {
      const r = await sipOptions({ transport, host: kam.domain, port: ports[transport], ca: kam.caCertPem as string });
      expect(r.status, transport).to.equal(200);
    }
    expect(kam.caCertPem).to.match(/BEGIN CERTIFICATE/);
    expect(await kam.rpc("core.version")).to.match(/kamailio 5\./);
  });

  it("challenges a presence SUBSCRIBE (401, hub/secret), NOTIFYs, and NOTIFYs rpid:away after a PUBLISH", async () => {
    const watcher = await startWatcher({ server: kam, localPort: 25080, traceDir: dir, target: "alice", idleMs: 1500 });
    const first = await watcher.waitForNotify(() => true, 5000, "initial NOTIFY");
    expect(subscriptionState(first)).to.match(/^active/);

    const alice = new PresencePublisher({ server: kam, localPort: 25081, traceDir: dir, account: KAMAILIO_ACCOUNTS.alice });
    const away = await alice.publish("away");
    expect(away.etag, "SIP-ETag").to.be.a("string");
    const n = await watcher.waitForNotify((x) => x.body.includes("<rpid:away/>"), 5000, "NOTIFY with rpid:away");
    expect(sipHeader(n, "Content-Type")).to.equal("application/pidf+xml");
    expect(sipHeader(n, "Event")).to.equal("presence");
    expect(n.body).to.contain("<basic>open</basic>").and.contain("<note>Away</note>");

    // a modification of the same publication (SIP-If-Match) replaces the state
    const busy = await alice.publish("busy", { note: "In a meeting" });
    expect(busy.runs[0]?.messages.find((m) => m.method === "PUBLISH")?.raw).to.contain(`SIP-If-Match: ${away.etag}`);
    await watcher.waitForNotify((x) => x.body.includes("<rpid:busy/>") && x.body.includes("In a meeting"), 5000, "NOTIFY with rpid:busy");
    await alice.unpublish();

    const result = await watcher.finished();
    const responses = receivedResponses(result.messages).map((m) => `${m.status} ${sipHeader(m, "CSeq")}`);
    expect(responses[0]).to.equal("401 1 SUBSCRIBE");
    expect(sipHeader(receivedResponses(result.messages)[0] as SipTraceMessage, "WWW-Authenticate")).to.match(/^Digest realm="127\.0\.0\.1", nonce="[^"]+", qop="auth"$/);
    expect(responses[1]).to.equal("200 2 SUBSCRIBE");
    const notifies = receivedRequests(result.messages, "NOTIFY");
    expect(notifies.every((x) => x.transport === "UDP")).to.equal(true);
    expect(subscriptionState(notifies[notifies.length - 1] as SipTraceMessage)).to.match(/^terminated/);
  });

  it("sends NOTIFYs back over the watcher's own TCP connection", async () => {
    const watcher = await startWatcher({ server: kam, transport: "tcp", localPort: 25082, traceDir: dir, target: "bob", idleMs: 1000 });
    await watcher.waitForNotify(() => true, 5000, "initial NOTIFY");
    const bob = new PresencePublisher({ server: kam, transport: "tcp", localPort: 25083, traceDir: dir, account: KAMAILIO_ACCOUNTS.bob });
    await bob.publish("dnd");
    await watcher.waitForNotify((x) => x.body.includes("Do not disturb"), 5000, "NOTIFY with the DND note");
    await bob.unpublish();
    const notifies = receivedRequests((await watcher.finished()).messages, "NOTIFY");
    expect(notifies.map((x) => x.transport)).to.satisfy((t: string[]) => t.length >= 3 && t.every((x) => x === "TCP"));
  });

  it("serves the RFC 4662 list with multipart/related RLMI NOTIFYs", async () => {
    const watcher = await startWatcher({ server: kam, localPort: 25084, traceDir: dir, target: KAMAILIO_LISTS.presence, eventList: true, idleMs: 2000, finalWaitMs: 300 });
    const first = await watcher.waitForNotify(() => true, 5000, "initial list NOTIFY");
    expect(sipHeader(first, "Content-Type")).to.match(/^multipart\/related;.*type="application\/rlmi\+xml"/);
    const rlmi = multipartParts(first)[0];
    expect(rlmi?.contentType).to.match(/^application\/rlmi\+xml/);
    for (const u of ["alice", "bob", "carol"]) expect(rlmi?.body).to.contain(`<resource uri="sip:${u}@127.0.0.1"`);

    const carol = new PresencePublisher({ server: kam, localPort: 25085, traceDir: dir, account: KAMAILIO_ACCOUNTS.carol });
    await carol.publish("on-the-phone");
    const n = await watcher.waitForNotify(
      (x) => multipartParts(x).some((p) => p.contentType === "application/pidf+xml" && p.body.includes('entity="sip:carol@127.0.0.1"') && p.body.includes("<rpid:on-the-phone/>")),
      5000,
      "list NOTIFY with carol on the phone",
    );
    expect(multipartParts(n)[0]?.body).to.match(/<resource uri="sip:carol@127\.0\.0\.1"><instance [^>]*state="active"/);
    await carol.unpublish();
    await watcher.finished();
  });

  it("turns a real call (SIPp caller -> registered SIPp callee) into dialog-info NOTIFYs", async () => {
    const callee = await startWatcher({ server: kam, localPort: 25086, traceDir: dir, target: "dave", event: "dialog", idleMs: 2500 });
    const caller = await startWatcher({ server: kam, localPort: 25087, traceDir: dir, target: "erin", event: "dialog", idleMs: 2500 });
    await Promise.all([callee.waitForNotify(() => true, 5000), caller.waitForNotify(() => true, 5000)]);

    const call = await placeCall({
      server: kam, traceDir: dir, caller: KAMAILIO_ACCOUNTS.erin, callee: KAMAILIO_ACCOUNTS.dave,
      ports: { caller: 25088, callee: 25089, register: 25090 }, ringMs: 500, talkMs: 1000,
    });
    expect(call.caller.ok && call.callee.ok).to.equal(true);

    const [calleeRun, callerRun] = await Promise.all([callee.finished(), caller.finished()]);
    const states = (r: { messages: readonly SipTraceMessage[] }): string[] =>
      receivedRequests(r.messages, "NOTIFY").filter((x) => x.body !== "").map(dialogStates);
    expect(states(calleeRun).slice(0, 3)).to.deep.equal(["early", "confirmed", "terminated"]);
    // pua_dialoginfo writes the caller's first state as "Trying" (capital T)
    expect(states(callerRun).slice(0, 4)).to.deep.equal(["trying", "early", "confirmed", "terminated"]);
    const body = receivedRequests(callerRun.messages, "NOTIFY").find((x) => dialogStates(x) === "confirmed")?.body ?? "";
    expect(body).to.contain('direction="initiator"').and.contain("<identity>sip:dave@127.0.0.1</identity>");
  });

  describe("modes", () => {
    it("trusted: accepts an unauthenticated SUBSCRIBE", async () => {
      const trusted = await startKamailio({ ports: { udp: 25070 }, tls: false, modes: ["trusted"], parentDir: dir });
      try {
        const watcher = await startWatcher({ server: trusted, localPort: 25091, traceDir: dir, target: "alice", idleMs: 500 });
        const result = await watcher.finished();
        const codes = receivedResponses(result.messages).map((m) => m.status);
        expect(codes).to.not.include(401).and.not.include(407);
        expect(codes[0]).to.equal(200);
        expect(receivedRequests(result.messages, "NOTIFY")).to.have.length.of.at.least(2);
        expect(result.messages.some((m) => /^(Proxy-)?Authorization:/m.test(m.raw))).to.equal(false);
      } finally {
        await trusted.stop();
      }
    });

    it("proxy-auth + in-dialog-auth + one-time-nonce: 407 on the SUBSCRIBE, the refresh and the unsubscribe", async () => {
      const strict = await startKamailio({ ports: { udp: 25065 }, tls: false, modes: ["proxy-auth", "in-dialog-auth", "one-time-nonce"], parentDir: dir });
      try {
        const watcher = await startWatcher({ server: strict, localPort: 25092, traceDir: dir, target: "alice", idleMs: 500, refresh: true });
        const result = await watcher.finished();
        const codes = receivedResponses(result.messages).map((m) => m.status);
        expect(codes).to.deep.equal([407, 200, 407, 200, 407, 200]);
      } finally {
        await strict.stop();
      }
    });

    it("pending: a subscription stays pending until authorize() allows the watcher", async () => {
      const pending = await startKamailio({ ports: { udp: 25075 }, tls: false, modes: ["pending"], parentDir: dir });
      try {
        const watcher = await startWatcher({ server: pending, localPort: 25093, traceDir: dir, target: "carol", idleMs: 1000 });
        const first = await watcher.waitForNotify(() => true, 5000, "initial NOTIFY");
        expect(subscriptionState(first)).to.match(/^pending/);
        await pending.authorize("carol", ["hub"], "allow");
        await watcher.waitForNotify((x) => /^active/.test(subscriptionState(x)), 5000, "active NOTIFY");
        await watcher.finished();
      } finally {
        await pending.stop();
      }
    });
  });

  it("stops (ports released) and restarts with its databases: publications survive, subscriptions do not", async () => {
    const erin = new PresencePublisher({ server: kam, localPort: 25094, traceDir: dir, account: KAMAILIO_ACCOUNTS.erin });
    await erin.publish("away", { note: "back at 3" });
    const before = await startWatcher({ server: kam, localPort: 25096, traceDir: dir, target: "erin", idleMs: 2000, refresh: true });
    await before.waitForNotify((x) => x.body.includes("back at 3"), 5000, "NOTIFY before the restart");
    const oldPid = kam.pid;

    await kam.stop();
    expect(kam.pid).to.equal(undefined);
    let down = false;
    await sipOptions({ transport: "tcp", host: kam.domain, port: kam.ports.tcp, timeoutMs: 500 }).catch(() => (down = true));
    expect(down, "TCP port still answering after stop()").to.equal(true);

    await kam.restart();
    expect(kam.pid).to.be.a("number").and.not.equal(oldPid);
    for (const transport of ["udp", "tcp", "tls"] as const) {
      const port = transport === "udp" ? kam.ports.udp : transport === "tcp" ? kam.ports.tcp : (kam.ports.tls as number);
      expect((await sipOptions({ transport, host: kam.domain, port, ca: kam.caCertPem as string })).status).to.equal(200);
    }
    // the server forgot the subscription: the watcher's refresh is answered 481
    const beforeRun = await before.finished();
    expect(receivedResponses(beforeRun.messages).map((m) => m.status)).to.include(481);

    const watcher = await startWatcher({ server: kam, localPort: 25095, traceDir: dir, target: "erin", idleMs: 500 });
    const result = await watcher.finished();
    expect(receivedRequests(result.messages, "NOTIFY").some((x) => x.body.includes("back at 3"))).to.equal(true);
    // the old publication is still known: a modification with its ETag is accepted as is
    const again = await erin.publish("available");
    expect(again.runs).to.have.length(1);
  });
});

import { expect } from "chai";
import { createSocket } from "node:dgram";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RichState } from "@presence-hub/core";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { PresencePublisher } from "./support/sipp.js";

/**
 * Bad input at the SIP connector's own UDP socket while it watches users on a real Kamailio: an
 * attacker (a plain socket, deliberately not a SIP stack) sends garbage, oversized messages,
 * NOTIFYs for unknown dialogs and hostile bodies inside a real dialog. Nothing crashes, other
 * users lose nothing, counters move. Ports 25400-25419.
 */
describe("sip-simple under hostile input", function () {
  this.timeout(90_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-hostile-"));
  let kam: KamailioInstance;
  let hub: TestHub;
  let local: { port: number };
  const attacker = createSocket("udp4");
  const answers: string[] = [];

  before(async () => {
    kamailioAvailable();
    kam = await startKamailio({ ports: { udp: 25400 }, tls: false, parentDir: tmp });
    hub = await startTestHub({
      config: {
        presence: { monitorAll: true },
        connectors: [{ id: "kam", type: "sip-simple", server: "127.0.0.1:25400", uri: "hub@127.0.0.1", authId: "hub", password: "secret", t1Ms: 100 }],
        users: [
          { username: "alice", sipUri: "sip:alice@127.0.0.1" },
          { username: "bob", sipUri: "sip:bob@127.0.0.1" },
        ],
      },
    });
    await waitFor("both watched", () => rich("alice").status === "offline" && rich("bob").status === "offline");
    const via = hub.app.hub.connectorTrace("kam").find((t) => t.direction === "out")!.text;
    local = { port: Number(/^Via: SIP\/2\.0\/UDP 127\.0\.0\.1:(\d+)/m.exec(via)![1]) };
    await new Promise<void>((r) => attacker.bind(25410, "127.0.0.1", () => r()));
    attacker.on("message", (m) => answers.push(m.toString()));
  });
  after(async () => {
    attacker.close();
    await hub?.stop();
    await kam?.dispose();
  });

  const rich = (u: string) => hub.app.hub.presence(u)!.rich as RichState;
  const counters = () => hub.app.hub.connectorCounters("kam");
  const send = (text: string | Buffer) => new Promise<void>((r) => attacker.send(text, local.port, "127.0.0.1", () => r()));

  /** A NOTIFY inside bob's real dialog (Call-ID and tags read from the trace), with our body. */
  function notifyInBobsDialog(contentType: string, body: string, cseq: number): string {
    const sub = hub.app.hub
      .connectorTrace("kam", { username: "bob" })
      .filter((t) => t.direction === "in" && t.text.startsWith("NOTIFY "))
      .pop()!.text;
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, "mi").exec(sub)![1]!.trim();
    return [
      `NOTIFY sip:hub@127.0.0.1:${local.port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:25410;branch=z9hG4bK-hostile-${cseq}`,
      "Max-Forwards: 70",
      `From: ${header("From")}`,
      `To: ${header("To")}`,
      `Call-ID: ${header("Call-ID")}`,
      `CSeq: ${cseq} NOTIFY`,
      "Event: presence",
      "Subscription-State: active;expires=300",
      `Content-Type: ${contentType}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n");
  }

  it("drops garbage and oversized datagrams, counting them", async () => {
    await send(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
    await send("INVITE not really SIP\r\n\r\n");
    await send(`OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:25410;branch=z9hG4bKx\r\n${"X-Pad: ".concat("a".repeat(60000))}\r\n\r\n`);
    await waitFor("parse errors counted", () => Object.entries(counters()).filter(([k]) => k.startsWith("sip.parse_errors.")).reduce((n, [, v]) => n + v, 0) >= 2);
    expect(hub.app.hub.connectorInfo("kam").health.status).to.equal("up-and-running");
  });

  it("answers 400 to a request with a bad CSeq, and 481 to a NOTIFY for an unknown dialog", async () => {
    answers.length = 0;
    await send("NOTIFY sip:hub@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:25410;branch=z9hG4bKbad\r\nMax-Forwards: 70\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:hub@127.0.0.1>;tag=2\r\nCall-ID: bad\r\nCSeq: notanumber NOTIFY\r\nContent-Length: 0\r\n\r\n");
    await send("NOTIFY sip:hub@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:25410;branch=z9hG4bKunknown\r\nMax-Forwards: 70\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:hub@127.0.0.1>;tag=2\r\nCall-ID: nobody-knows-this\r\nCSeq: 1 NOTIFY\r\nEvent: presence\r\nSubscription-State: active\r\nContent-Length: 0\r\n\r\n");
    await waitFor("two answers", () => answers.length >= 2);
    expect(answers.some((a) => a.startsWith("SIP/2.0 400"))).to.equal(true);
    expect(answers.some((a) => a.startsWith("SIP/2.0 481"))).to.equal(true);
    expect(counters()["notify.unknown_dialog"]).to.be.at.least(1);
  });

  it("refuses hostile bodies inside a real dialog without changing the user's state", async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1"><tuple id="a"><status><basic>&lol3;</basic></status></tuple></presence>`;
    const external = `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1"><tuple id="a"><status><basic>open</basic></status><note>&x;</note></tuple></presence>`;
    const mismatch = `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:bob@127.0.0.1"/>`;
    const deep = `<presence xmlns="urn:ietf:params:xml:ns:pidf">${"<a>".repeat(5000)}${"</a>".repeat(5000)}</presence>`;
    const before = rich("bob");
    const bad = counters()["notify.bad_body"] ?? 0;
    let cseq = 1000;
    for (const [type, body] of [["application/pidf+xml", bomb], ["application/pidf+xml", external], ["application/pidf+xml", mismatch], ["application/pidf+xml", deep]] as const) {
      await send(notifyInBobsDialog(type, body, cseq++));
    }
    await waitFor("four bad bodies counted", () => (counters()["notify.bad_body"] ?? 0) >= bad + 4);
    expect(rich("bob")).to.deep.equal(before);
  });

  it("still shows real changes for every user afterwards", async () => {
    const alice = new PresencePublisher({ server: kam, localPort: 25411, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
    const bob = new PresencePublisher({ server: kam, localPort: 25412, traceDir: tmp, account: KAMAILIO_ACCOUNTS.bob });
    await alice.publish("away", { note: "still here" });
    await bob.publish("busy", { note: "me too" });
    await waitFor("alice away", () => rich("alice").message === "still here");
    await waitFor("bob busy", () => rich("bob").message === "me too");
    await alice.unpublish();
    await bob.unpublish();
  });
});

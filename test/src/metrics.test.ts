import { expect } from "chai";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { parsePrometheusText, sampleValue, sampleValueOr0, type MetricFamily } from "./support/prometheus-text.js";
import { PresencePublisher } from "./support/sipp.js";
import { StreamClient } from "./support/stream-client.js";

/**
 * `GET /metrics` of a real hub watching a real Kamailio: the text parses as Prometheus text
 * (strictly), needs a token unless the scraper's address is allowed, and its counters move
 * when NOTIFYs arrive, when credentials are refused, when garbage reaches the SIP socket, when
 * a console watches, when a note is written. Ports 26000-26019 (Kamailio 26000, SIPp 26010,
 * the connector's SIP socket 26005, the attacker 26011).
 */
describe("Prometheus metrics", function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-metrics-"));
  let kam: KamailioInstance;
  let hub: TestHub;
  let operator: string;

  before(async function () {
    this.timeout(90_000);
    kamailioAvailable({ tls: false });
    kam = await startKamailio({ ports: { udp: 26000 }, tls: false, parentDir: tmp });
    hub = await startTestHub({
      config: {
        presence: { monitorAll: true },
        connectors: [
          { id: "kam", type: "sip-simple", server: "127.0.0.1:26000", uri: "hub@127.0.0.1", authId: "hub", password: "secret", domain: "127.0.0.1", t1Ms: 100, localPort: 26005 },
          // The same server with a wrong password: credentials refused, subscriptions back off.
          { id: "wrong", type: "sip-simple", server: "127.0.0.1:26000", uri: "hub@127.0.0.1", authId: "hub", password: "not-the-password", domain: "127.0.0.1", t1Ms: 100 },
        ],
        users: [
          { username: "alice", displayName: "Alice", sipUri: "sip:alice@127.0.0.1" },
          { username: "bob", displayName: "Bob", sipUri: "sip:bob@127.0.0.1" },
        ],
      },
    });
    operator = await hub.token("operator");
    await waitFor("kam up", () => hub.app.hub.connectorInfo("kam").health.status === "up-and-running", 20_000);
    await waitFor("alice offline (subscribed, nothing published)", () => hub.app.hub.presence("alice")!.rich.status === "offline", 20_000);
  });
  after(async () => {
    await hub?.stop();
    await kam?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function scrape(token: string | null = operator, base = hub.url): Promise<Map<string, MetricFamily>> {
    const res = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(res.headers.get("content-type")).to.equal("text/plain; version=0.0.4; charset=utf-8");
    return parsePrometheusText(await res.text());
  }

  it("refuses a scrape without a token, and one with a bad token", async () => {
    const anonymous = await fetch(`${hub.url}/metrics`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get("www-authenticate")).to.match(/^Bearer/);
    const bad = await fetch(`${hub.url}/metrics`, { headers: { authorization: "Bearer not-a-token" } });
    expect(bad.status).to.equal(401);
  });

  it("serves strictly valid Prometheus text with process, hub, connector and plugin families", async () => {
    const m = await scrape();
    for (const name of [
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_heap_size_used_bytes",
      "presence_hub_info",
      "presence_hub_connector_up",
      "presence_hub_connector_status",
      "presence_hub_subscriptions",
      "presence_hub_notifies_received_total",
      "presence_hub_sip_parse_errors_total",
      "presence_hub_auth_failures_total",
      "presence_hub_resubscribe_backoffs_total",
      "presence_hub_store_write_duration_seconds",
      "presence_hub_console_connections",
      "presence_hub_stream_lag_seconds",
      "presence_hub_notes_writes_total",
      "presence_hub_http_requests_total",
    ]) {
      expect(m.has(name), name).to.equal(true);
    }
    expect(m.get("presence_hub_notifies_received_total")!.type).to.equal("counter");
    expect(m.get("presence_hub_subscriptions")!.type).to.equal("gauge");
    expect(m.get("presence_hub_store_write_duration_seconds")!.type).to.equal("histogram");
    expect(sampleValue(m, "presence_hub_connector_up", { connector: "kam", type: "sip-simple" })).to.equal(1);
    expect(sampleValue(m, "presence_hub_connector_status", { connector: "kam", status: "up-and-running" })).to.equal(1);
    expect(sampleValue(m, "presence_hub_connector_status", { connector: "kam", status: "connection-error" })).to.equal(0);
    expect(sampleValue(m, "presence_hub_subscriptions", { connector: "kam", state: "active" })).to.equal(2);
    expect(sampleValue(m, "presence_hub_connector_watched_targets", { connector: "kam" })).to.equal(2);
    expect(sampleValue(m, "presence_hub_users")).to.equal(2);
    expect(sampleValue(m, "presence_hub_presence_users", { field: "rich", status: "offline" })).to.equal(2);
    expect(sampleValue(m, "presence_hub_store_write_duration_seconds_count")).to.be.greaterThan(0);
  });

  it("counts NOTIFYs as they arrive, and the presence they carry", async () => {
    const before = await scrape();
    const notifies = sampleValue(before, "presence_hub_notifies_received_total", { connector: "kam" });
    const received = sampleValue(before, "presence_hub_sip_messages_received_total", { connector: "kam" });
    const writes = sampleValue(before, "presence_hub_store_write_duration_seconds_count");
    const alice = new PresencePublisher({ server: kam, localPort: 26010, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
    await alice.publish("away", { note: "Lunch" });
    await waitFor("alice away", () => hub.app.hub.presence("alice")!.rich.status === "away");
    await alice.publish("busy");
    await waitFor("alice busy", () => hub.app.hub.presence("alice")!.rich.status === "busy");
    await waitFor("written", () => hub.app.hub.flush().then(() => true));
    const after = await scrape();
    expect(sampleValue(after, "presence_hub_notifies_received_total", { connector: "kam" })).to.be.at.least(notifies + 2);
    expect(sampleValue(after, "presence_hub_sip_messages_received_total", { connector: "kam" })).to.be.at.least(received + 2);
    expect(sampleValue(after, "presence_hub_store_write_duration_seconds_count")).to.be.greaterThan(writes);
    expect(sampleValue(after, "presence_hub_presence_users", { field: "rich", status: "busy" })).to.equal(1);
    expect(sampleValue(after, "presence_hub_events_total")).to.be.greaterThan(sampleValue(before, "presence_hub_events_total"));
    await alice.unpublish();
  });

  it("counts refused credentials and the re-subscription backoffs that follow", async () => {
    await waitFor("wrong connector forbidden", () => hub.app.hub.connectorInfo("wrong").health.status === "forbidden", 20_000);
    const m = await scrape();
    expect(sampleValue(m, "presence_hub_auth_failures_total", { connector: "wrong" })).to.be.at.least(1);
    expect(sampleValue(m, "presence_hub_auth_failures_total", { connector: "kam" })).to.equal(0);
    expect(sampleValue(m, "presence_hub_resubscribe_backoffs_total", { connector: "wrong" })).to.be.at.least(1);
    expect(sampleValue(m, "presence_hub_connector_up", { connector: "wrong", type: "sip-simple" })).to.equal(0);
    expect(sampleValue(m, "presence_hub_connector_status", { connector: "wrong", status: "forbidden" })).to.equal(1);
    expect(sampleValue(m, "presence_hub_subscriptions", { connector: "wrong", state: "waiting" })).to.equal(2);
  });

  it("counts malformed SIP messages by kind", async () => {
    const before = await scrape();
    const total = (m: Map<string, MetricFamily>) => m.get("presence_hub_sip_parse_errors_total")!.samples.filter((s) => s.labels.connector === "kam").reduce((n, s) => n + s.value, 0);
    const attacker = createSocket("udp4");
    await new Promise<void>((r) => attacker.bind(26011, "127.0.0.1", () => r()));
    try {
      for (const junk of [Buffer.from([0, 1, 2, 3, 0xff]), Buffer.from("INVITE not really SIP\r\n\r\n")]) {
        await new Promise<void>((r) => attacker.send(junk, 26005, "127.0.0.1", () => r()));
      }
      await waitFor("parse errors counted", async () => total(await scrape()) >= total(before) + 2);
    } finally {
      attacker.close();
    }
    const kinds = (await scrape()).get("presence_hub_sip_parse_errors_total")!.samples.filter((s) => s.labels.connector === "kam" && s.value > 0).map((s) => s.labels.kind);
    expect(kinds.length).to.be.greaterThan(0);
    for (const k of kinds) expect(k).to.match(/^[a-z0-9_-]+$/i);
  });

  it("shows console connections and the stream's lag, frames and user updates", async () => {
    const before = await scrape();
    const lagCount = sampleValue(before, "presence_hub_stream_lag_seconds_count");
    const console1 = await StreamClient.connect(hub.url, { token: operator });
    try {
      console1.send({ watch: ["alice", "bob"] });
      await console1.waitFor("snapshot", (msg) => msg.type === "snapshot");
      expect(sampleValue(await scrape(), "presence_hub_console_connections")).to.equal(1);
      const bob = new PresencePublisher({ server: kam, localPort: 26012, traceDir: tmp, account: KAMAILIO_ACCOUNTS.bob });
      await bob.publish("away");
      await console1.waitFor("bob away", (msg) => msg.type === "delta" && (msg.users ?? []).some((u) => u.username === "bob" && u.rich.status === "away"), 10_000);
      const after = await scrape();
      expect(sampleValue(after, "presence_hub_stream_lag_seconds_count")).to.be.greaterThan(lagCount);
      // The lag includes the 20 ms coalescing window and stays far below a second on loopback.
      const lagSum = sampleValue(after, "presence_hub_stream_lag_seconds_sum") - sampleValue(before, "presence_hub_stream_lag_seconds_sum");
      expect(lagSum).to.be.greaterThan(0).and.below(5);
      expect(sampleValue(after, "presence_hub_stream_frames_total")).to.be.greaterThan(sampleValue(before, "presence_hub_stream_frames_total"));
      expect(sampleValue(after, "presence_hub_stream_user_updates_total")).to.be.greaterThan(sampleValue(before, "presence_hub_stream_user_updates_total"));
      expect(sampleValue(after, "presence_hub_console_connections_opened_total")).to.be.at.least(1);
      await bob.unpublish();
    } finally {
      await console1.close();
    }
    await waitFor("console gone", async () => sampleValue(await scrape(), "presence_hub_console_connections") === 0);
  });

  it("counts note writes by action", async () => {
    const put = await fetch(`${hub.url}/api/v1/users/bob/note`, {
      method: "PUT",
      headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "Back at 3", visibleTo: "everyone" }),
    });
    expect(put.status, await put.clone().text()).to.equal(200);
    const del = await fetch(`${hub.url}/api/v1/users/bob/note`, { method: "DELETE", headers: { authorization: `Bearer ${operator}` } });
    expect(del.status).to.be.oneOf([200, 204]);
    const m = await scrape();
    expect(sampleValue(m, "presence_hub_notes_writes_total", { action: "set" })).to.equal(1);
    expect(sampleValue(m, "presence_hub_notes_writes_total", { action: "cleared" })).to.equal(1);
    expect(sampleValueOr0(m, "presence_hub_notes_writes_total", { action: "expired" })).to.equal(0);
  });

  it("counts HTTP answers by method and status, 401s included", async () => {
    const m = await scrape();
    expect(sampleValue(m, "presence_hub_http_requests_total", { method: "GET", status: "401" })).to.be.at.least(2);
    expect(sampleValue(m, "presence_hub_http_requests_total", { method: "GET", status: "200" })).to.be.at.least(5);
  });

  it("lets addresses in metrics.allowFrom scrape without a token, and can be turned off", async () => {
    const open = await startTestHub({ config: { metrics: { allowFrom: ["10.0.0.0/8", "127.0.0.0/8", "::1"] } } });
    const off = await startTestHub({ config: { metrics: { enabled: false } } });
    try {
      const m = await scrape(null, open.url);
      expect(sampleValue(m, "presence_hub_info", { version: "0.1.0" })).to.equal(1);
      const token = await off.token("admin");
      expect((await fetch(`${off.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(404);
    } finally {
      await open.stop();
      await off.stop();
    }
  });

  it("rejects an invalid allowFrom entry at start, naming the key", async () => {
    let error: Error | null = null;
    await startTestHub({ config: { metrics: { allowFrom: ["10.0.0.0/8", "10.0.0.0/33"] } } }).then(
      (h) => h.stop(),
      (e: Error) => (error = e),
    );
    expect(error).to.not.equal(null);
    expect(String((error as unknown as { issues?: unknown[] }).issues?.map((i) => JSON.stringify(i)))).to.include("metrics.allowFrom[1]");
  });

  it("is strict: the parser rejects what Prometheus would", () => {
    expect(() => parsePrometheusText("a 1")).to.throw(/newline/);
    expect(() => parsePrometheusText('a{b="c} 1\n')).to.throw(/unterminated/);
    expect(() => parsePrometheusText("a 1\nb 2\na 3\n")).to.throw(/not together/);
    expect(() => parsePrometheusText("# TYPE a counter\n# TYPE a counter\n")).to.throw(/second TYPE/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).to.throw(/cumulative/);
    expect(() => parsePrometheusText("a one\n")).to.throw(/bad value/);
  });
});

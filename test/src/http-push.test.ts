import { expect } from "chai";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";
import { PUSH_TOKEN, pushConnector, pushUrl } from "./support/http-push-client.js";

/** The example connector's own edges, over its real socket. */
describe("http-push connector", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ config: { presence: { monitorAll: true }, connectors: [pushConnector("feed")], users: [{ username: "alice", firstExtension: "1001" }] } });
  });
  after(() => hub?.stop());

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${pushUrl(hub.app, "feed")}/presence`, { method: "POST", headers: { authorization: `Bearer ${PUSH_TOKEN}`, "content-type": "application/json", ...headers }, body });

  it("refuses a body over 1 MiB with 413 and stays up", async () => {
    const res = await post(Buffer.alloc(2 * 1024 * 1024, 0x20)).catch((e: Error) => e);
    if (!(res instanceof Error)) expect(res.status).to.equal(413);
    expect((await post(JSON.stringify({ extension: "1001", telephony: { line: "busy" } }))).status).to.equal(202);
  });

  it("refuses non-JSON content with 415, unknown routes with 404, and too many updates with 400", async () => {
    expect((await post("x", { "content-type": "text/plain" })).status).to.equal(415);
    expect((await fetch(`${pushUrl(hub.app, "feed")}/other`, { headers: { authorization: `Bearer ${PUSH_TOKEN}` } })).status).to.equal(404);
    const many = { updates: Array.from({ length: 1001 }, () => ({ extension: "1001", telephony: { line: "busy" } })) };
    expect((await post(JSON.stringify(many))).status).to.equal(400);
  });

  it("names the update that lacks a key for its field", async () => {
    const res = await post(JSON.stringify({ updates: [{ extension: "1001", telephony: { line: "busy" } }, { rich: { status: "away" } }] }));
    expect(res.status).to.equal(400);
    expect(await res.json()).to.deep.include({ issues: [{ path: "updates[1]", message: "a rich update needs sipUri or username" }] });
  });

  it("a batch applies in order; the last word counts", async () => {
    const res = await post(JSON.stringify({ updates: [{ extension: "1001", telephony: { line: "ringing" } }, { extension: "1001", telephony: { line: "offline" } }] }));
    expect(await res.json()).to.deep.equal({ accepted: 2, unwatched: 0 });
    expect(hub.app.hub.presence("alice")!.telephony.status).to.equal("offline");
  });

  it("cannot start on an address already in use: the service fails with the reason", async () => {
    const port = Number(new URL(pushUrl(hub.app, "feed")).port);
    const info = await hub.app.hub.saveConnector({ id: "clash", type: "http-push", enabled: true, position: 1, settings: { listen: `127.0.0.1:${port}`, token: PUSH_TOKEN } });
    expect(hub.app.services.get("connector:clash")).to.include({ state: "failed" });
    expect(hub.app.services.get("connector:clash").lastError).to.match(/cannot listen on 127.0.0.1:\d+: .*EADDRINUSE/);
    expect(hub.app.hub.connectorInfo("clash").health.status).to.equal("connection-error");
    expect(info.secretsSet).to.deep.equal({ token: true });
    expect(JSON.stringify(hub.app.hub.connectorInfos())).to.not.contain(PUSH_TOKEN);
  });
});

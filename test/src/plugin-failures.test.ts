import { expect } from "chai";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, PluginError } from "@presence-hub/core";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/plugins");
const fixture = (name: string) => path.join(fixtures, name);

describe("Plugins that fail", () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({
      extraPlugins: ["failing-start", "failing-register", "broken-import", "wrong-api", "not-a-plugin"].map(fixture),
    });
  });
  after(() => hub?.stop());

  it("leave the hub running and answering", async () => {
    expect(hub.app.services.get("hub").state).to.equal("running");
    const res = await fetch(`${hub.url}/api/v1/health`);
    expect(res.status).to.equal(200);
  });

  it("show as failed with the reason, each on its own", () => {
    const failed = Object.fromEntries(hub.app.services.list().filter((s) => s.state === "failed").map((s) => [s.id, s.lastError]));
    expect(failed["plugin:failing-start/listener"]).to.equal("cannot bind 127.0.0.1:1 (permission denied)");
    expect(failed["plugin:failing-register"]).to.equal("register() failed: license file missing");
    expect(failed["plugin:broken-import"]).to.match(/^import failed: Cannot find package 'a-package-that-does-not-exist'/);
    expect(failed["plugin:wrong-api"]).to.equal("manifest targets plugin API 99; this core implements 1");
    expect(failed["plugin:fixture-not-a-plugin"] ?? failed[`plugin:${fixture("not-a-plugin")}`]).to.match(/no "presenceHub"/);
  });

  it("keep nothing a failed register() half-registered", () => {
    expect(hub.app.hub.rankingRuleIds()).to.not.include("half-registered");
  });

  it("are listed in the services API for operators", async () => {
    const token = await hub.token("operator");
    const res = await fetch(`${hub.url}/api/v1/services`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { services: { id: string; state: string }[] };
    expect(body.services.find((s) => s.id === "plugin:failing-start/listener")!.state).to.equal("failed");
    const denied = await fetch(`${hub.url}/api/v1/services/hub/stop`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).to.equal(403);
    const anonymous = await fetch(`${hub.url}/api/v1/services`);
    expect(anonymous.status).to.equal(401);
  });

  it("an admin can retry a failed service and gets its state back", async () => {
    const token = await hub.token("admin");
    const res = await fetch(`${hub.url}/api/v1/services/${encodeURIComponent("plugin:failing-start/listener")}/start`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ state: "failed", lastError: "cannot bind 127.0.0.1:1 (permission denied)" });
  });
});

describe("Plugins the configuration names but that cannot be used", () => {
  it("an unknown plugin stops the start with a message naming it", async () => {
    try {
      await startTestHub({ config: { plugins: ["@presence-hub/plugin-that-does-not-exist"] } });
      expect.fail("expected the start to fail");
    } catch (e) {
      expect(e).to.be.instanceOf(PluginError);
      expect((e as Error).message).to.match(/plugin @presence-hub\/plugin-that-does-not-exist: cannot find the package/);
    }
  });

  it("an unknown connector type stops the start, naming the key and the known types", async () => {
    try {
      await startTestHub({ config: { connectors: [{ id: "x", type: "no-such-type" }] } });
      expect.fail("expected the start to fail");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).issues[0]).to.deep.include({ path: "connectors[0].type" });
      expect((e as ConfigError).issues[0]!.message).to.match(/unknown connector type "no-such-type" \(known: [a-z, -]*http-push[a-z, -]*\)/);
    }
  });

  it("bad connector settings stop the start, naming the key", async () => {
    try {
      await startTestHub({ config: { connectors: [{ id: "p", type: "http-push", listen: "nowhere", token: "short" }] } });
      expect.fail("expected the start to fail");
    } catch (e) {
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).to.include.members(["connectors[0].listen", "connectors[0].token"]);
    }
  });

  it("duplicate users in the config are refused, naming both entries", async () => {
    try {
      await startTestHub({ config: { users: [{ username: "a", firstExtension: "1" }, { username: "b", firstExtension: "1" }, { username: "a" }] } });
      expect.fail("expected the start to fail");
    } catch (e) {
      const issues = (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      expect(issues).to.deep.equal(['users[1].firstExtension: "1" is already used by users[0]', 'users[2].username: "a" is already used by users[0]']);
    }
  });
});

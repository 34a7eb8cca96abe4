import { expect } from "chai";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@presence-hub/core";
import { startTestHub } from "@presence-hub/core/testing";

const plugin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/plugins/with-config");

describe("Plugin API", () => {
  it("validates the plugin's config section with defaults, runs its migrations under its namespace, and wires what it registers", async () => {
    const hub = await startTestHub({ extraPlugins: [plugin], config: { pluginOptions: { "with-config": { greeting: "hi" } } } });
    try {
      expect(await hub.app.store.appliedMigrations()).to.include("with-config/0001-greetings");
      await hub.app.store.knex("with_config_greetings").insert({ text: "x" });
      expect(hub.app.settings.get("withConfig.enabled")).to.equal(true);
      expect(hub.app.services.get("plugin:with-config/ticker").state).to.equal("running");
      await hub.app.hub.saveUser({ username: "zoe" });
      const body = (await (await fetch(`${hub.url}/api/v1/with-config`)).json()) as { greeting: string; limit: number; events: number };
      expect(body).to.include({ greeting: "hi", limit: 3 });
      expect(body.events).to.be.greaterThan(0);
    } finally {
      await hub.stop();
    }
  });

  it("refuses to start on a bad plugin config section, naming the key", async () => {
    try {
      await startTestHub({ extraPlugins: [plugin], config: { pluginOptions: { "with-config": { greeting: "", limit: 0, extra: true } } } });
      expect.fail("expected a ConfigError");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path)).to.have.members(["pluginOptions.with-config.greeting", "pluginOptions.with-config.limit", "pluginOptions.with-config.extra"]);
    }
  });
});

import { expect } from "chai";
import type { ConnectorInfo } from "../hub/hub.js";
import { checkReadiness, type ReadinessSources } from "./readiness.js";

const connector = (id: string, status: ConnectorInfo["health"]["status"]) => ({ id, health: { status, detail: null, since: 0 } }) as unknown as ConnectorInfo;

function sources(overrides: Partial<ReadinessSources> = {}): ReadinessSources {
  return {
    dialect: "sqlite",
    ping: async () => {},
    pendingMigrations: async () => [],
    hubState: () => "running",
    connectors: () => [connector("a", "up-and-running"), connector("b", "connection-error"), connector("c", "credentials-not-found")],
    ...overrides,
  };
}

describe("checkReadiness", () => {
  it("is ready with a reachable store, current migrations and a running hub, whatever the connectors say", async () => {
    const r = await checkReadiness(sources());
    expect(r.ready).to.equal(true);
    expect(r.connectors).to.deep.equal({ total: 3, working: 2, byStatus: { "up-and-running": 1, "connection-error": 1, "credentials-not-found": 1 } });
  });

  it("is not ready when the store fails, migrations are pending or the hub is stopped", async () => {
    const down = await checkReadiness(sources({ ping: () => Promise.reject(new Error("database is locked")) }));
    expect(down).to.deep.include({ ready: false });
    expect(down.store).to.deep.include({ reachable: false, error: "database is locked", latencyMs: null });
    const pending = await checkReadiness(sources({ pendingMigrations: async () => ["notes/0002-more"] }));
    expect(pending.ready).to.equal(false);
    expect(pending.migrations).to.deep.equal({ current: false, pending: ["notes/0002-more"] });
    expect((await checkReadiness(sources({ hubState: () => "stopped" }))).ready).to.equal(false);
  });
});

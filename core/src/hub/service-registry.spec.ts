import { expect } from "chai";
import { createLogger } from "../app/create-logger.js";
import { ServiceRegistry, type ServiceInfo } from "./service-registry.js";

describe("ServiceRegistry", () => {
  const logger = createLogger("silent");

  it("starts, stops and restarts, reporting every state change", async () => {
    const reg = new ServiceRegistry(logger, () => 1);
    const seen: string[] = [];
    let starts = 0;
    reg.onChange((i: ServiceInfo) => seen.push(i.state));
    reg.add("a", "connector", async () => void starts++, async () => {});
    await reg.start("a");
    await reg.start("a"); // already running: no second start
    await reg.restart("a");
    expect(starts).to.equal(2);
    expect(seen).to.deep.equal(["starting", "running", "stopping", "stopped", "starting", "running"]);
  });

  it("records a failing start with its reason and keeps going", async () => {
    const reg = new ServiceRegistry(logger, () => 1);
    reg.add("bad", "plugin", async () => { throw new Error("port 80 in use"); }, async () => {});
    reg.add("good", "plugin", async () => {}, async () => {});
    expect((await reg.start("bad")).state).to.equal("failed");
    expect(reg.get("bad").lastError).to.equal("port 80 in use");
    expect((await reg.start("good")).state).to.equal("running");
  });

  it("serialises concurrent start/stop calls", async () => {
    const reg = new ServiceRegistry(logger, () => 1);
    const log: string[] = [];
    reg.add("s", "connector", async () => { log.push("start"); await new Promise((r) => setTimeout(r, 5)); }, async () => { log.push("stop"); });
    await Promise.all([reg.start("s"), reg.stop("s"), reg.start("s")]);
    expect(log).to.deep.equal(["start", "stop", "start"]);
    expect(reg.get("s").state).to.equal("running");
  });

  it("names an unknown service", () => {
    expect(() => new ServiceRegistry(logger, () => 1).get("nope")).to.throw(/service "nope" not found/);
  });
});

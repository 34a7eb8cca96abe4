import { expect } from "chai";
import type { HubEvent } from "@presence-hub/core";
import { ManualClock } from "@presence-hub/core/testing";
import { AdminEventFeed } from "./admin-event-feed.js";

describe("AdminEventFeed", () => {
  const envelope = (event: HubEvent, seq = 1) => ({ seq, at: 0, event });
  const presence = (username: string): HubEvent => ({ type: "presence", username, field: "rich", state: {} as never });

  function client(feed: AdminEventFeed): { text: () => string; leave: () => void } {
    let leave = () => {};
    const chunks: string[] = [];
    const stream = feed.open((l) => (leave = l));
    stream.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
    return { text: () => chunks.join(""), leave: () => leave() };
  }

  it("coalesces a burst into one frame per kind, after the window", async () => {
    const clock = new ManualClock();
    const feed = new AdminEventFeed(clock, { coalesceMs: 200, keepAliveMs: 60_000, maxNames: 10 });
    const c = client(feed);
    feed.deliver(envelope(presence("alice")));
    feed.deliver(envelope(presence("bob")));
    feed.deliver(envelope(presence("alice")));
    feed.deliver(envelope({ type: "connector", id: "kam", status: "up-and-running", detail: null }));
    feed.deliver(envelope({ type: "user", username: "carol", user: null }));
    await new Promise((r) => setImmediate(r));
    expect(c.text()).to.not.contain("event: users");
    clock.advance(200);
    await new Promise((r) => setImmediate(r));
    expect(c.text()).to.contain('event: users\ndata: {"usernames":["alice","bob","carol"]}\n\n');
    expect(c.text()).to.contain('event: directory\ndata: {"usernames":["carol"]}\n\n');
    expect(c.text()).to.contain('event: connectors\ndata: {"ids":["kam"]}\n\n');
    c.leave();
    expect(feed.size).to.equal(0);
  });

  it("says 'all' instead of listing more names than the limit, and keeps nothing while nobody listens", async () => {
    const clock = new ManualClock();
    const feed = new AdminEventFeed(clock, { coalesceMs: 100, keepAliveMs: 60_000, maxNames: 2 });
    feed.deliver(envelope(presence("early")));
    const c = client(feed);
    for (const u of ["a", "b", "c"]) feed.deliver(envelope(presence(u)));
    feed.serviceChanged({ id: "connector:kam", kind: "connector", state: "stopped", lastError: null, since: 0 });
    clock.advance(100);
    await new Promise((r) => setImmediate(r));
    expect(c.text()).to.contain('event: users\ndata: {"all":true}');
    expect(c.text()).to.not.contain("early");
    expect(c.text()).to.contain('event: services\ndata: {"ids":["connector:kam"]}');
    expect(c.text()).to.contain('event: connectors\ndata: {"ids":["kam"]}');
    feed.close();
    expect(feed.size).to.equal(0);
  });

  it("keeps idle streams alive with comment lines", async () => {
    const clock = new ManualClock();
    const feed = new AdminEventFeed(clock, { coalesceMs: 100, keepAliveMs: 1000, maxNames: 10 });
    const c = client(feed);
    clock.advance(1000);
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    expect(c.text().match(/: keep-alive\n\n/g)).to.have.length(2);
    feed.close();
  });
});

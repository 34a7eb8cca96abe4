import { expect } from "chai";
import { ConflictError, type Logger, type User, type UserInput } from "@presence-hub/core";
import { ManualClock } from "@presence-hub/core/testing";
import { resolveMapping } from "./attribute-mapping.js";
import { directoryEntry, type DirectoryEntry } from "./directory-entry.js";
import { DirectoryError } from "./directory-error.js";
import { DirectorySync, type HubUsers } from "./directory-sync.js";
import type { DirectoryReader } from "./ldap-directory.js";

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** Users with the store's uniqueness rules, and a log of every write (to see transient states). */
class MemoryHub implements HubUsers {
  readonly map = new Map<string, User>();
  readonly writes: string[] = [];
  constructor(users: User[]) {
    for (const u of users) this.map.set(u.username, u);
  }
  users(): User[] {
    return [...this.map.values()];
  }
  async saveUser(input: UserInput): Promise<"created" | "updated" | "unchanged"> {
    const u: User = { username: input.username, displayName: input.displayName ?? input.username, firstExtension: input.firstExtension ?? null, sipUri: input.sipUri ?? null, voicemailNumber: input.voicemailNumber ?? null, origin: input.origin ?? "manual" };
    for (const o of this.map.values()) {
      if (o.username !== u.username && u.firstExtension !== null && o.firstExtension === u.firstExtension) throw new ConflictError("firstExtension", u.firstExtension);
    }
    const before = this.map.get(u.username);
    this.map.set(u.username, u);
    this.writes.push(`save ${u.username}:${u.firstExtension}`);
    return !before ? "created" : JSON.stringify(before) === JSON.stringify(u) ? "unchanged" : "updated";
  }
  async removeUser(username: string): Promise<boolean> {
    this.writes.push(`remove ${username}`);
    return this.map.delete(username);
  }
}

class FixedReader implements DirectoryReader {
  constructor(public result: DirectoryEntry[] | Error) {}
  async read() {
    if (this.result instanceof Error) throw this.result;
    return { entries: this.result, pages: 1 };
  }
}

const person = (uid: string, ext: string) => directoryEntry(`uid=${uid},dc=x`, { uid, telephoneNumber: ext });
const ldapUser = (username: string, ext: string, origin = "ldap"): User => ({ username, displayName: username, firstExtension: ext, sipUri: null, voicemailNumber: null, origin });

function setup(entries: DirectoryEntry[] | Error, users: User[]) {
  const hub = new MemoryHub(users);
  const reader = new FixedReader(entries);
  const sync = new DirectorySync(reader, hub, { origin: "ldap", mapping: resolveMapping({ directoryType: "openldap", attributes: {} }), source: { url: "ldap://x", baseDn: "dc=x", filter: "(uid=*)" }, clock: new ManualClock(), logger: silent });
  return { hub, reader, sync };
}

describe("directory-ldap: sync run", () => {
  it("applies removals before adds, so a newcomer can take a leaver's extension", async () => {
    const { hub, sync } = setup([person("new", "100")], [ldapUser("old", "100")]);
    const report = await sync.run("manual", false);
    expect(report).to.deep.include({ outcome: "ok", counts: { added: 1, updated: 0, removed: 1, unchanged: 0, skipped: 0 } });
    expect(hub.writes).to.deep.equal(["remove old", "save new:100"]);
  });

  it("retries a move that waits for another (amy takes zed's extension once zed has moved)", async () => {
    const { hub, sync } = setup([person("amy", "101"), person("zed", "102")], [ldapUser("amy", "100"), ldapUser("zed", "101")]);
    const report = await sync.run("manual", false);
    expect(report.counts).to.deep.include({ updated: 2, skipped: 0 });
    expect(hub.writes).to.deep.equal(["save zed:102", "save amy:101"]);
  });

  it("resolves a swap of extensions (a cycle) by releasing one side's old extension for a moment", async () => {
    const { hub, sync } = setup([person("alice", "202"), person("bob", "201")], [ldapUser("alice", "201"), ldapUser("bob", "202")]);
    const report = await sync.run("manual", false);
    expect(report).to.deep.include({ outcome: "ok" });
    expect(report.counts).to.deep.include({ updated: 2, skipped: 0 });
    expect(hub.map.get("alice")!.firstExtension).to.equal("202");
    expect(hub.map.get("bob")!.firstExtension).to.equal("201");
    expect(hub.writes).to.deep.equal(["save alice:null", "save bob:201", "save alice:202"]);
  });

  it("a dry run reports the plan and writes nothing", async () => {
    const { hub, sync } = setup([person("alice", "301")], [ldapUser("gone", "399"), ldapUser("keep", "398", "manual")]);
    const report = await sync.run("manual", true);
    expect(report).to.deep.include({ dryRun: true, outcome: "ok" });
    expect(report.added.map((a) => a.username)).to.deep.equal(["alice"]);
    expect(report.removed.map((r) => r.username)).to.deep.equal(["gone"]);
    expect(hub.writes).to.deep.equal([]);
    expect(sync.lastDryRun).to.equal(report);
    expect(sync.lastRun).to.equal(null);
  });

  it("a run that cannot read the directory changes nothing and says why", async () => {
    const { hub, sync } = setup(new DirectoryError("bind", "the directory refused the bind: invalid credentials"), [ldapUser("alice", "401")]);
    const report = await sync.run("schedule", false);
    expect(report).to.deep.include({ outcome: "failed", failedPhase: "bind", error: "the directory refused the bind: invalid credentials" });
    expect(hub.writes).to.deep.equal([]);
    expect(sync.lastSuccessAt).to.equal(null);
  });

  it("refuses to remove every directory user when the directory returns no entries", async () => {
    const { hub, sync } = setup([], [ldapUser("alice", "501"), ldapUser("bob", "502")]);
    const report = await sync.run("schedule", false);
    expect(report).to.deep.include({ outcome: "failed", failedPhase: "safety" });
    expect(report.error).to.match(/refusing to remove all 2 users from ldap/);
    expect(hub.writes).to.deep.equal([]);
  });

  it("reports a conflict that appears between planning and writing (someone added a user meanwhile) as skipped", async () => {
    const hub = new MemoryHub([]);
    const racing: HubUsers = {
      users: () => hub.users(),
      saveUser: async (u) => {
        if (!hub.map.has("intruder")) await hub.saveUser({ username: "intruder", firstExtension: "601" });
        return hub.saveUser(u);
      },
      removeUser: (n) => hub.removeUser(n),
    };
    const sync = new DirectorySync(new FixedReader([person("alice", "601")]), racing, { origin: "ldap", mapping: resolveMapping({ directoryType: "openldap", attributes: {} }), source: { url: "ldap://x", baseDn: "dc=x", filter: "(uid=*)" }, clock: new ManualClock(), logger: silent });
    const report = await sync.run("manual", false);
    expect(report).to.deep.include({ outcome: "ok" });
    expect(report.skipped).to.deep.equal([{ dn: "uid=alice,dc=x", username: "alice", reason: 'not applied: firstExtension "601" is already in use' }]);
    expect(hub.map.has("alice")).to.equal(false);
  });

  it("runs one at a time: a second request waits for the first", async () => {
    const { sync } = setup([person("alice", "701")], []);
    const [a, b] = await Promise.all([sync.run("manual", false), sync.run("manual", false)]);
    expect(a.counts.added).to.equal(1);
    expect(b.counts).to.deep.include({ added: 0, unchanged: 1 });
  });
});

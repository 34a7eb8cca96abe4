import { expect } from "chai";
import type { User } from "@presence-hub/core";
import { resolveMapping } from "./attribute-mapping.js";
import { directoryEntry, type DirectoryEntry } from "./directory-entry.js";
import { planSync } from "./sync-plan.js";

const options = { mapping: resolveMapping({ directoryType: "openldap", attributes: {} }), origin: "ldap" };

function person(uid: string, ext: string | null, extra: Record<string, string> = {}): DirectoryEntry {
  return directoryEntry(`uid=${uid},ou=people,dc=example,dc=org`, { uid, cn: uid.toUpperCase(), ...(ext ? { telephoneNumber: ext } : {}), ...extra });
}
function hubUser(username: string, ext: string | null, origin = "ldap", sipUri: string | null = null): User {
  return { username, displayName: username.toUpperCase(), firstExtension: ext, sipUri, voicemailNumber: null, origin };
}

describe("directory-ldap: sync plan", () => {
  it("adds new people, updates changed ones, counts the same as unchanged, removes those gone", () => {
    const plan = planSync([person("alice", "201"), person("bob", "299"), person("carol", "203")], [hubUser("bob", "202"), hubUser("carol", "203"), hubUser("dave", "204")], options);
    expect(plan.add.map((a) => a.user.username)).to.deep.equal(["alice"]);
    expect(plan.update).to.have.length(1);
    expect(plan.update[0]!.changes).to.deep.equal([{ field: "firstExtension", from: "202", to: "299" }]);
    expect(plan.unchanged).to.equal(1);
    expect(plan.remove.map((u) => u.username)).to.deep.equal(["dave"]);
    expect(plan.skipped).to.deep.equal([]);
  });

  it("never updates or removes users of another origin (manual, config, csv, another directory)", () => {
    const current = [hubUser("manual1", "301", "manual"), hubUser("cfg", "302", "config"), hubUser("csv1", "303", "csv"), hubUser("other", "304", "ldap-eu"), hubUser("alice", "305", "manual")];
    const plan = planSync([person("alice", "201")], current, options);
    expect(plan.remove).to.deep.equal([]);
    expect(plan.add).to.deep.equal([]);
    expect(plan.update).to.deep.equal([]);
    expect(plan.skipped).to.have.length(1);
    expect(plan.skipped[0]!.reason).to.match(/username "alice" belongs to a user from manual; the directory sync never changes users it did not create/);
  });

  it("skips every entry sharing an extension (not first-wins) and keeps their existing users as they are", () => {
    const plan = planSync([person("alice", "201"), person("bob", "201"), person("carol", "203")], [hubUser("alice", "201")], options);
    expect(plan.add.map((a) => a.user.username)).to.deep.equal(["carol"]);
    expect(plan.remove).to.deep.equal([]); // alice stays: her entry is there, only unusable now
    expect(plan.skipped.map((s) => s.username)).to.deep.equal(["alice", "bob"]);
    expect(plan.skipped[0]!.reason).to.equal('duplicate firstExtension "201" in the directory: also uid=bob,ou=people,dc=example,dc=org');
  });

  it("skips entries sharing a username or a SIP URI (compared as the hub does: host case-insensitive)", () => {
    const a = directoryEntry("uid=eve,ou=a,dc=x", { uid: "eve", telephoneNumber: "1" });
    const b = directoryEntry("uid=eve,ou=b,dc=x", { uid: "eve", telephoneNumber: "2" });
    const c = person("frank", null, { labeledURI: "sip:shared@Example.org" });
    const d = person("gina", null, { labeledURI: "sip:shared@example.org;transport=tcp" });
    const plan = planSync([a, b, c, d], [], options);
    expect(plan.add).to.deep.equal([]);
    expect(plan.skipped.map((s) => s.reason)).to.satisfy((rs: string[]) => rs.filter((r) => r.startsWith('duplicate username "eve"')).length === 2 && rs.filter((r) => r.startsWith('duplicate sipUri "shared@example.org"')).length === 2);
  });

  it("treats a valid entry whose username repeats an unusable entry as a duplicate", () => {
    const bad = directoryEntry("uid=hank,ou=a,dc=x", { uid: "hank", telephoneNumber: "not a number" });
    const plan = planSync([bad, directoryEntry("uid=hank,ou=b,dc=x", { uid: "hank", telephoneNumber: "205" })], [hubUser("hank", "200")], options);
    expect(plan.update).to.deep.equal([]);
    expect(plan.remove).to.deep.equal([]);
    expect(plan.skipped).to.have.length(2);
  });

  it("skips an entry whose extension a manual user holds, naming that user", () => {
    const plan = planSync([person("ivan", "401")], [hubUser("reception", "401", "manual")], options);
    expect(plan.add).to.deep.equal([]);
    expect(plan.skipped[0]!.reason).to.equal('firstExtension "401" is already used by reception (from manual)');
  });

  it("follows a chain: a skipped entry keeps its user, whose keys then block another entry", () => {
    // judy's entry is broken, so judy (ext 501) stays; ken wants 501 → skipped; ken's user keeps 502, which leo wants → skipped.
    const judy = person("judy", "five-oh-one");
    const plan = planSync([judy, person("ken", "501"), person("leo", "502")], [hubUser("judy", "501"), hubUser("ken", "502")], options);
    expect(plan.skipped.map((s) => s.username)).to.deep.equal(["judy", "ken", "leo"]);
    expect(plan.skipped[1]!.reason).to.match(/already used by judy \(kept as it is, its entry is skipped\)/);
    expect(plan.add).to.deep.equal([]);
    expect(plan.update).to.deep.equal([]);
    expect(plan.remove).to.deep.equal([]);
  });

  it("plans a swap of extensions between two directory users as two updates (applied later)", () => {
    const plan = planSync([person("mia", "602"), person("ned", "601")], [hubUser("mia", "601"), hubUser("ned", "602")], options);
    expect(plan.update.map((u) => `${u.after.username}:${u.after.firstExtension}`)).to.deep.equal(["mia:602", "ned:601"]);
    expect(plan.skipped).to.deep.equal([]);
  });

  it("lets a new entry take the extension of a user being removed", () => {
    const plan = planSync([person("olga", "701")], [hubUser("pete", "701")], options);
    expect(plan.add.map((a) => a.user.username)).to.deep.equal(["olga"]);
    expect(plan.remove.map((u) => u.username)).to.deep.equal(["pete"]);
  });

  it("gives the same plan whatever order the server returns entries in", () => {
    const entries = [person("q1", "801"), person("q2", "801"), person("q3", "803"), person("q4", "804")];
    const a = planSync(entries, [], options);
    const b = planSync([...entries].reverse(), [], options);
    expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
  });
});

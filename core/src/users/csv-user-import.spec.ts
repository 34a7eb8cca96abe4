import { expect } from "chai";
import { ConfigError } from "../errors/config-error.js";
import { ConflictError } from "../errors/conflict-error.js";
import type { User } from "../model/user.js";
import { importUsersCsv } from "./csv-user-import.js";

/** A save function with uniqueness like the store's. */
function memoryStore(existing: User[] = []) {
  const users = new Map(existing.map((u) => [u.username, u]));
  return {
    users,
    save: async (u: User) => {
      for (const other of users.values()) {
        if (other.username !== u.username && u.firstExtension && other.firstExtension === u.firstExtension) throw new ConflictError("firstExtension", u.firstExtension);
      }
      const before = users.get(u.username);
      users.set(u.username, u);
      return before ? (JSON.stringify(before) === JSON.stringify(u) ? "unchanged" : "updated") : "created";
    },
  };
}

describe("importUsersCsv", () => {
  it("imports good rows, reports bad ones with line numbers, writes nothing of a bad row", async () => {
    const csv = [
      "Username,Display Name,First Extension,SIP URI,Voicemail",
      "alice,Alice Example,1001,sip:alice@pbx,8001",
      "bob,Bob,10x2,,", // bad extension
      "carol,Carol,1003,carol@pbx,", // bare URI gets sip:
      "alice,Alice Again,1004,,", // duplicate username in file
      "dave,Dave,1001,,", // duplicate extension in file
      ",No Name,1005,,", // missing username
      "erin,Erin,1002,,",
    ].join("\n");
    const store = memoryStore([{ username: "zed", displayName: "Zed", firstExtension: "1002", sipUri: null, voicemailNumber: null, origin: "manual" }]);
    const report = await importUsersCsv(csv, store.save);
    expect(report).to.include({ created: 2, updated: 0, unchanged: 0 });
    expect(report.errors.map((e) => [e.line, e.username])).to.deep.equal([
      [3, "bob"],
      [5, "alice"],
      [6, "dave"],
      [7, null],
      [8, "erin"],
    ]);
    expect(report.errors[0]!.reason).to.match(/firstExtension must be a dial string/);
    expect(report.errors[1]!.reason).to.equal('username "alice" repeats line 2');
    expect(report.errors[2]!.reason).to.equal('firstExtension "1001" repeats line 2');
    expect(report.errors[4]!.reason).to.match(/firstExtension "1002" is already in use/);
    expect(store.users.get("carol")!.sipUri).to.equal("sip:carol@pbx");
    expect(store.users.has("bob")).to.equal(false);
  });

  it("handles quoting, BOM, CRLF and extra columns", async () => {
    const csv = '\uFEFFusername,displayName,extension,notes\r\n"oneil","O\'Neil, Pat",1009,"x"\r\n"o\'neil",Bad,1010,\r\n';
    const store = memoryStore();
    const report = await importUsersCsv(csv, store.save);
    expect(report.created).to.equal(1);
    expect(store.users.get("oneil")!.displayName).to.equal("O'Neil, Pat");
    expect(report.errors).to.have.length(1);
    expect(report.errors[0]!).to.include({ line: 3 });
    expect(report.errors[0]!.reason).to.match(/username must be/);
  });

  it("rejects a file without a username column or with broken quoting, clearly", async () => {
    const save = memoryStore().save;
    await expectConfigError(importUsersCsv("name,ext\nA,1\n", save), /no username column/);
    await expectConfigError(importUsersCsv('username\n"unterminated\n', save), /Quote Not Closed|quote/i);
    await expectConfigError(importUsersCsv("", save), /empty/);
    await expectConfigError(importUsersCsv(Buffer.alloc(11 * 1024 * 1024, 0x61), save), /larger than/);
  });

  it("reports control characters and overlong names instead of importing them", async () => {
    const report = await importUsersCsv(`username,displayName\nmallory,"Bad\u0007Name"\nmax,${"x".repeat(201)}\n`, memoryStore().save);
    expect(report.errors.map((e) => e.line)).to.deep.equal([2, 3]);
  });
});

async function expectConfigError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  throw new Error("expected a ConfigError");
}

import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readBindPassword } from "./bind-password.js";
import { DirectoryError } from "./directory-error.js";

describe("directory-ldap: bind password", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bind-password-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const failure = async (p: Promise<unknown>): Promise<DirectoryError> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof DirectoryError) return e;
      throw e;
    }
    throw new Error("expected a DirectoryError");
  };

  it("reads it from the named environment variable, at every call", async () => {
    process.env.DIRECTORY_LDAP_SPEC_PW = "first";
    expect(await readBindPassword({ bindPasswordEnv: "DIRECTORY_LDAP_SPEC_PW" })).to.equal("first");
    process.env.DIRECTORY_LDAP_SPEC_PW = "rotated";
    expect(await readBindPassword({ bindPasswordEnv: "DIRECTORY_LDAP_SPEC_PW" })).to.equal("rotated");
    delete process.env.DIRECTORY_LDAP_SPEC_PW;
    const e = await failure(readBindPassword({ bindPasswordEnv: "DIRECTORY_LDAP_SPEC_PW" }));
    expect(e.phase).to.equal("password");
    expect(e.message).to.match(/^the environment variable DIRECTORY_LDAP_SPEC_PW \(pluginOptions.directory-ldap.bindPasswordEnv\) is not set or empty/);
  });

  it("reads it from a file without the trailing newline, and says which file is missing", async () => {
    const file = path.join(dir, "pw");
    writeFileSync(file, "s3cret with spaces \n");
    expect(await readBindPassword({ bindPasswordFile: file })).to.equal("s3cret with spaces ");
    const e = await failure(readBindPassword({ bindPasswordFile: path.join(dir, "missing") }));
    expect(e.message).to.equal(`cannot read the bind password file ${path.join(dir, "missing")} (pluginOptions.directory-ldap.bindPasswordFile): ENOENT`);
  });
});

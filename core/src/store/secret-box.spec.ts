import { expect } from "chai";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SecretBox } from "./secret-box.js";

describe("SecretBox", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ph-secret-"));

  it("creates an owner-only key file once and reuses it", () => {
    const file = path.join(dir, "k/secret.key");
    const a = SecretBox.loadOrCreate(file);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const sealed = a.seal("s3cret");
    expect(SecretBox.loadOrCreate(file).open(sealed)).to.equal("s3cret");
    expect(readFileSync(file, "utf8").trim()).to.match(/^[0-9a-f]{64}$/);
  });

  it("never shows the plain text and uses a fresh IV each time", () => {
    const box = SecretBox.loadOrCreate(path.join(dir, "b.key"));
    const x = box.seal("hunter2-password");
    expect(x).to.not.contain("hunter2");
    expect(box.seal("hunter2-password")).to.not.equal(x);
  });

  it("refuses a tampered value or a different key with a clear message", () => {
    const box = SecretBox.loadOrCreate(path.join(dir, "c.key"));
    const other = SecretBox.loadOrCreate(path.join(dir, "d.key"));
    const sealed = box.seal("x");
    expect(() => other.open(sealed)).to.throw(/key file does not match/);
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open("v1:" + raw.toString("base64"))).to.throw(/cannot decrypt/);
  });

  it("refuses a corrupt key file", () => {
    const file = path.join(dir, "bad.key");
    writeFileSync(file, "not-hex");
    expect(() => SecretBox.loadOrCreate(file)).to.throw(/not 64 hex digits/);
  });
});

import { expect } from "chai";
import { hashPassword, verifyPassword } from "./password-hash.js";

describe("password hashing (scrypt)", () => {
  it("verifies the right password only, with a salted hash", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).to.match(/^scrypt\$32768\$8\$1\$/);
    expect(h).to.not.contain("correct");
    expect(await verifyPassword("correct horse battery", h)).to.equal(true);
    expect(await verifyPassword("correct horse batterY", h)).to.equal(false);
    expect(await hashPassword("correct horse battery")).to.not.equal(h);
  });

  it("treats malformed or hostile stored hashes as a mismatch", async () => {
    expect(await verifyPassword("x", "plain")).to.equal(false);
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$AA==$AA==")).to.equal(false);
    expect(await verifyPassword("x", "scrypt$x$8$1$AA==$AA==")).to.equal(false);
  });
});

import { expect } from "chai";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { StaticAssets } from "./static-assets.js";

describe("StaticAssets", () => {
  it("serves only the known kinds of files present at start, with types and ETags", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "admin-assets-"));
    writeFileSync(path.join(dir, "page-a.js"), "export {};");
    writeFileSync(path.join(dir, "admin.css"), "body{}");
    writeFileSync(path.join(dir, "page-a.d.ts"), "export {};");
    writeFileSync(path.join(dir, "secret.key"), "nope");
    mkdirSync(path.join(dir, "sub"));
    const assets = new StaticAssets([dir, path.join(dir, "missing")]);
    expect(assets.names()).to.deep.equal(["admin.css", "page-a.js"]);
    expect(assets.get("page-a.js")!.contentType).to.match(/^text\/javascript/);
    expect(assets.get("admin.css")!.etag).to.match(/^[\w-]{22}$/);
    for (const name of ["page-a.d.ts", "secret.key", "../page-a.js", "sub", "Page-A.js"]) expect(assets.get(name), name).to.equal(undefined);
  });

  it("finds the built front end of this package", () => {
    const names = new StaticAssets().names();
    expect(names).to.include.members(["admin.css", "console.css", "favicon.svg", "page-login.js", "page-diagnostics.js", "page-console.js", "dom.js"]);
  });
});

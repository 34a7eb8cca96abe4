import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** One file the admin pages load. */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The admin UI's static files (compiled browser modules and the stylesheet), read once at
 * start into memory. Only names present at start can be served, so a request can never reach
 * another file on disk (no path handling at request time, no traversal to worry about), and a
 * handful of small files costs less than a static-file dependency.
 */
export class StaticAssets {
  private readonly files = new Map<string, Asset>();

  constructor(folders: readonly string[] = defaultFolders()) {
    for (const folder of folders) {
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder)) {
        const type = TYPES[path.extname(name)];
        if (!type || !/^[a-z0-9][a-z0-9.-]*$/.test(name)) continue;
        const body = readFileSync(path.join(folder, name));
        this.files.set(name, { body, contentType: type, etag: createHash("sha256").update(body).digest("base64url").slice(0, 22) });
      }
    }
  }

  get(name: string): Asset | undefined {
    return this.files.get(name);
  }

  names(): string[] {
    return [...this.files.keys()].sort();
  }
}

/** `dist/browser` (the compiled front end) and `static` (stylesheet, icon) of this package. */
function defaultFolders(): string[] {
  return [fileURLToPath(new URL("./browser/", import.meta.url)), fileURLToPath(new URL("../static/", import.meta.url))];
}

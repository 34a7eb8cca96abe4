import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { PluginError } from "../errors/plugin-error.js";
import { PLUGIN_API_VERSION, type PluginDefinition } from "./plugin-definition.js";

/** The `presenceHub` section of a plugin's package.json. */
export interface PluginManifest {
  readonly id: string;
  readonly apiVersion: number;
}

/** A plugin package found and imported. */
export interface LoadedPlugin {
  readonly specifier: string;
  readonly packageName: string;
  readonly manifest: PluginManifest;
  readonly definition: PluginDefinition;
}

/** A plugin package found but not usable (broken import, bad manifest…); the hub goes on without it. */
export interface BrokenPlugin {
  readonly specifier: string;
  readonly id: string;
  readonly error: string;
}

export const PLUGIN_KEYWORD = "presence-hub-plugin";

/**
 * Finds plugin packages by name (resolved from the config folder, the working directory, then
 * the core's own location) or by path, checks the manifest, and imports the default export.
 *
 * Not found → {@link PluginError} (a config error: the hub must not start). Found but broken →
 * {@link BrokenPlugin} (shown as failed in Manage Services; the hub keeps running).
 */
export class PluginLoader {
  private readonly bases: string[];

  constructor(baseDirs: readonly string[]) {
    const coreDir = path.dirname(fileURLToPath(import.meta.url));
    this.bases = [...new Set([...baseDirs, coreDir])];
  }

  async load(specifier: string): Promise<LoadedPlugin | BrokenPlugin> {
    const packageDir = this.locate(specifier);
    if (!packageDir) {
      throw new PluginError(specifier, `cannot find the package (looked from ${this.bases.join(", ")}); install it or fix the name in \`plugins\``);
    }
    let pkg: { name?: string; keywords?: string[]; presenceHub?: PluginManifest; main?: string; exports?: unknown };
    try {
      pkg = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    } catch (e) {
      return { specifier, id: specifier, error: `unreadable package.json: ${(e as Error).message}` };
    }
    const manifest = pkg.presenceHub;
    const id = manifest?.id ?? specifier;
    if (!manifest || typeof manifest.id !== "string") return { specifier, id, error: `package.json has no "presenceHub": { "id", "apiVersion" } manifest` };
    if (!pkg.keywords?.includes(PLUGIN_KEYWORD)) return { specifier, id, error: `package.json lacks the keyword "${PLUGIN_KEYWORD}"` };
    if (manifest.apiVersion !== PLUGIN_API_VERSION) {
      return { specifier, id, error: `manifest targets plugin API ${manifest.apiVersion}; this core implements ${PLUGIN_API_VERSION}` };
    }
    let definition: PluginDefinition | undefined;
    try {
      const entry = path.join(packageDir, pkg.main ?? "dist/index.js");
      const mod = (await import(pathToFileURL(entry).href)) as { default?: PluginDefinition };
      definition = mod.default;
    } catch (e) {
      return { specifier, id, error: `import failed: ${(e as Error).message}` };
    }
    if (!definition || typeof definition.register !== "function") return { specifier, id, error: "the package's default export is not a plugin (use definePlugin)" };
    if (definition.id !== manifest.id) return { specifier, id, error: `default export has id "${definition.id}" but the manifest says "${manifest.id}"` };
    return { specifier, packageName: pkg.name ?? specifier, manifest, definition };
  }

  /** The package folder for a name or path, or null. */
  private locate(specifier: string): string | null {
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
      for (const base of this.bases) {
        const dir = path.resolve(base, specifier);
        if (existsSync(path.join(dir, "package.json"))) return dir;
      }
      return null;
    }
    for (const base of this.bases) {
      const require = createRequire(path.join(base, "noop.js"));
      try {
        return path.dirname(require.resolve(`${specifier}/package.json`));
      } catch {
        // not resolvable from here; try the next base
      }
    }
    return null;
  }
}

export function isBroken(p: LoadedPlugin | BrokenPlugin): p is BrokenPlugin {
  return "error" in p;
}

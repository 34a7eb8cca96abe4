import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { Server } from "@hapi/hapi";
import type { DependencyContainer } from "tsyringe";
import type { Logger } from "../contracts/logger.js";
import type { Notifier } from "../contracts/notifier.js";
import type { UserAnnotationProvider } from "../contracts/user-annotation.js";
import type { ForwardClassifier, SourceRankingRule } from "../aggregation/rules.js";
import type { Migration } from "../store/migration.js";
import type { ConnectorType } from "./connector-type.js";

/** The plugin API version this core implements; a plugin's manifest must name it. */
export const PLUGIN_API_VERSION = 1;

/**
 * A long-running part of a plugin (a listener, a poller). Shown and controlled in Manage
 * Services as `plugin:<id>/<name>`; `start()` rejecting marks it failed with the reason, and the
 * hub keeps running.
 */
export interface PluginService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What a plugin's `register()` receives: its identity, its validated config, its own child DI
 * container (core services resolvable through {@link Tokens}), and the extension points. Every
 * method throws once `register()` has returned: registration happens in one place only.
 */
export interface PluginRegistrar<Config = unknown> {
  readonly id: string;
  readonly config: Config;
  readonly container: DependencyContainer;
  readonly logger: Logger;
  /** Offers a connector type (`type:` in connector configs). */
  connectorType<S extends TObject>(type: ConnectorType<S>): void;
  /** Adds a source-ranking rule; its place in the order comes from `presence.rankingRules`. */
  rankingRule(rule: SourceRankingRule): void;
  /** Adds a forward classifier (asked in plugin order). */
  forwardClassifier(classifier: ForwardClassifier): void;
  /** Declares a live system setting stored and edited like the core's. */
  setting(key: string, schema: TSchema, defaultValue: unknown, description: string): void;
  /** Adds routes to the hub's HTTP server (auth is on by default: scope `admin` or `operator`). */
  http(register: (server: Server) => void | Promise<void>): void;
  /** Adds a long-running part, started with the hub. */
  service(service: PluginService): void;
  /** Receives every hub event (hot path: see {@link Notifier}). */
  notifier(notifier: Notifier): void;
  /** Adds a part to every user's representation (e.g. `note`). */
  annotation(provider: UserAnnotationProvider): void;
}

/**
 * A plugin: the default export of a workspace package whose package.json has a
 * `presenceHub` manifest (`{ "id": …, "apiVersion": 1 }`) and the keyword `presence-hub-plugin`.
 */
export interface PluginDefinition<C extends TSchema = TSchema> {
  /** Kebab-case id; equals the manifest's id; names its config section and migrations. */
  readonly id: string;
  readonly apiVersion: typeof PLUGIN_API_VERSION;
  /** Schema of the plugin's section in `pluginOptions.<id>`; validated at load, errors name the key. */
  readonly configSchema?: C;
  /** The plugin's own migrations, in order; stored as `<id>/<name>`. */
  readonly migrations?: readonly Migration[];
  register(registrar: PluginRegistrar<Static<C>>): void | Promise<void>;
}

/** Declares a plugin, checking its shape early so mistakes surface at import, not at start. */
export function definePlugin<C extends TSchema>(definition: PluginDefinition<C>): PluginDefinition<C> {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(definition.id)) throw new Error(`plugin id "${definition.id}" must be kebab-case (a-z, 0-9, -)`);
  if (definition.apiVersion !== PLUGIN_API_VERSION) {
    throw new Error(`plugin ${definition.id} targets plugin API ${String(definition.apiVersion)}; this core implements ${PLUGIN_API_VERSION}`);
  }
  if (typeof definition.register !== "function") throw new Error(`plugin ${definition.id} has no register() function`);
  const names = new Set<string>();
  for (const m of definition.migrations ?? []) {
    if (names.has(m.name)) throw new Error(`plugin ${definition.id} has two migrations named ${m.name}`);
    names.add(m.name);
  }
  return definition;
}

import type { Server } from "@hapi/hapi";
import type { TSchema } from "@sinclair/typebox";
import type { DependencyContainer } from "tsyringe";
import type { Logger } from "../contracts/logger.js";
import type { Notifier } from "../contracts/notifier.js";
import type { UserAnnotationProvider } from "../contracts/user-annotation.js";
import type { ForwardClassifier, SourceRankingRule } from "../aggregation/rules.js";
import { Tokens } from "../di/tokens.js";
import { SchemaValidator } from "../util/schema-validator.js";
import type { ConnectorType } from "./connector-type.js";
import type { LoadedPlugin } from "./plugin-loader.js";
import type { PluginRegistrar, PluginService } from "./plugin-definition.js";

/** Everything one plugin registered, applied to the hub only if its `register()` succeeded. */
export interface PluginContributions {
  readonly pluginId: string;
  readonly container: DependencyContainer;
  readonly connectorTypes: ConnectorType[];
  readonly rankingRules: SourceRankingRule[];
  readonly forwardClassifiers: ForwardClassifier[];
  readonly settings: { key: string; schema: TSchema; defaultValue: unknown; description: string }[];
  readonly http: ((server: Server) => void | Promise<void>)[];
  readonly services: PluginService[];
  readonly notifiers: Notifier[];
  readonly annotations: UserAnnotationProvider[];
}

/**
 * Validates each plugin's config section (before anything starts) and runs `register()` in the
 * plugin's own child container, collecting what it registers.
 */
export class PluginHost {
  private readonly configs = new Map<string, unknown>();

  constructor(
    private readonly plugins: readonly LoadedPlugin[],
    private readonly options: Readonly<Record<string, unknown>>,
  ) {
    const ids = new Set<string>();
    for (const p of plugins) {
      if (ids.has(p.definition.id)) throw new Error(`two plugins have the id ${p.definition.id} (${p.specifier})`);
      ids.add(p.definition.id);
    }
  }

  /** Validates every plugin's `pluginOptions.<id>`; throws ConfigError naming the key. */
  validateConfigs(): void {
    for (const p of this.plugins) {
      const def = p.definition;
      const raw = this.options[def.id];
      if (!def.configSchema) {
        this.configs.set(def.id, raw ?? {});
        continue;
      }
      this.configs.set(def.id, new SchemaValidator(def.configSchema, `invalid configuration of plugin ${def.id}`).validate(raw ?? {}, `pluginOptions.${def.id}`));
    }
  }

  /** Runs one plugin's register(); throws what it throws (the caller marks the plugin failed). */
  async register(plugin: LoadedPlugin, parent: DependencyContainer, logger: Logger): Promise<PluginContributions> {
    const def = plugin.definition;
    const container = parent.createChildContainer();
    const config = this.configs.get(def.id);
    container.register(Tokens.PluginConfig, { useValue: config });
    container.register(Tokens.Logger, { useValue: logger });
    const c: PluginContributions = {
      pluginId: def.id,
      container,
      connectorTypes: [],
      rankingRules: [],
      forwardClassifiers: [],
      settings: [],
      http: [],
      services: [],
      notifiers: [],
      annotations: [],
    };
    let open = true;
    const guard = (what: string) => {
      if (!open) throw new Error(`plugin ${def.id} called ${what} after register() returned; register everything inside register()`);
    };
    const registrar: PluginRegistrar = {
      id: def.id,
      config,
      container,
      logger,
      connectorType: (t) => (guard("connectorType"), c.connectorTypes.push(t as unknown as ConnectorType)),
      rankingRule: (r) => (guard("rankingRule"), c.rankingRules.push(r)),
      forwardClassifier: (f) => (guard("forwardClassifier"), c.forwardClassifiers.push(f)),
      setting: (key, schema, defaultValue, description) => (guard("setting"), c.settings.push({ key, schema, defaultValue, description })),
      http: (h) => (guard("http"), c.http.push(h)),
      service: (s) => (guard("service"), c.services.push(s)),
      notifier: (n) => (guard("notifier"), c.notifiers.push(n)),
      annotation: (a) => (guard("annotation"), c.annotations.push(a)),
    };
    try {
      await def.register(registrar);
    } finally {
      open = false;
    }
    return c;
  }
}

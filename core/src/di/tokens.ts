import type { InjectionToken } from "tsyringe";
import type { Clock } from "../contracts/clock.js";
import type { ConnectorContext } from "../contracts/connector.js";
import type { Logger } from "../contracts/logger.js";
import type { EventBus } from "../hub/event-bus.js";
import type { Hub } from "../hub/hub.js";
import type { Store } from "../contracts/store.js";
import type { SettingsService } from "../hub/settings-service.js";
import type { Knex } from "knex";
import type { UpgradeAuthenticator } from "../http/upgrade-authenticator.js";
import type { AccountService } from "../security/account-service.js";
import type { ServiceRegistry } from "../hub/service-registry.js";
import type { Metrics } from "../contracts/metrics.js";

/**
 * DI tokens of the core. Namespaced symbols (never strings), so two bundles can never collide.
 * Every constructor parameter names its token with `@inject(Tokens.X)`: decorator metadata is
 * not relied upon, so bundlers that drop it (esbuild, Vite) still work.
 */
export const Tokens = {
  /** The plugin's or connector's logger, already bound to its name. */
  Logger: Symbol.for("presence-hub:Logger") as InjectionToken<Logger>,
  Clock: Symbol.for("presence-hub:Clock") as InjectionToken<Clock>,
  /** The connector instance's context (id, settings, sink, logger, clock). */
  ConnectorContext: Symbol.for("presence-hub:ConnectorContext") as InjectionToken<ConnectorContext>,
  /** The plugin's validated configuration (its section of the config file). */
  PluginConfig: Symbol.for("presence-hub:PluginConfig") as InjectionToken<unknown>,
  Hub: Symbol.for("presence-hub:Hub") as InjectionToken<Hub>,
  Store: Symbol.for("presence-hub:Store") as InjectionToken<Store>,
  /** Raw knex handle, for plugins' own tables (created by their own migrations). */
  Database: Symbol.for("presence-hub:Database") as InjectionToken<Knex>,
  EventBus: Symbol.for("presence-hub:EventBus") as InjectionToken<EventBus>,
  Settings: Symbol.for("presence-hub:Settings") as InjectionToken<SettingsService>,
  /** Accounts (admins, operators) and API tokens. */
  Accounts: Symbol.for("presence-hub:Accounts") as InjectionToken<AccountService>,
  /** Manage Services: start/stop/restart and states of the hub, connectors, plugin parts. */
  Services: Symbol.for("presence-hub:Services") as InjectionToken<ServiceRegistry>,
  /** Authenticates requests hapi does not route (WebSocket upgrades): token or session cookie. */
  UpgradeAuthenticator: Symbol.for("presence-hub:UpgradeAuthenticator") as InjectionToken<UpgradeAuthenticator>,
  /** Prometheus metrics: plugins add their own families to `GET /metrics`. */
  Metrics: Symbol.for("presence-hub:Metrics") as InjectionToken<Metrics>,
} as const;

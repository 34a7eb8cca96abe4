import "reflect-metadata";
import { readFileSync } from "node:fs";
import type { Server } from "@hapi/hapi";
import { container as globalContainer, type DependencyContainer } from "tsyringe";
import type { LoadedConfig } from "../config/load-config.js";
import { systemClock, type Clock } from "../contracts/clock.js";
import type { Logger } from "../contracts/logger.js";
import { Tokens } from "../di/tokens.js";
import { createHttpServer } from "../http/http-server.js";
import { registerHealthRoutes } from "../http/health-routes.js";
import { registerServiceRoutes } from "../http/service-routes.js";
import { registerPresenceRoutes } from "../http/presence-routes.js";
import { createUpgradeAuthenticator } from "../http/upgrade-authenticator.js";
import { registerOpenApi } from "../http/openapi.js";
import { ClusterNode } from "../cluster/cluster-node.js";
import { registerClusterRoutes } from "../http/cluster-routes.js";
import { hostname } from "node:os";
import { ConnectorRegistration } from "../hub/connector-registration.js";
import { EventBus } from "../hub/event-bus.js";
import { Hub } from "../hub/hub.js";
import { ServiceRegistry } from "../hub/service-registry.js";
import { SettingsService } from "../hub/settings-service.js";
import { BUNDLED_PLUGINS } from "../plugin/bundled-plugins.js";
import { PluginHost } from "../plugin/plugin-host.js";
import { isBroken, PluginLoader, type BrokenPlugin, type LoadedPlugin } from "../plugin/plugin-loader.js";
import type { PluginService } from "../plugin/plugin-definition.js";
import { AccountService } from "../security/account-service.js";
import { KnexStore } from "../store/knex-store.js";
import { SecretBox } from "../store/secret-box.js";
import { ConfigSeeder } from "./config-seeder.js";
import { createLogger } from "./create-logger.js";
import { PluginError } from "../errors/plugin-error.js";
import { PrometheusMetrics } from "../metrics/prometheus-metrics.js";
import { HubMetrics } from "../metrics/hub-metrics.js";
import { registerMetricsRoute } from "../http/metrics-routes.js";
import { HttpsRedirect } from "../http/https-redirect.js";
import { AddressAllowlist } from "../util/address-allowlist.js";
import { RunningHubMarker } from "../store/running-hub-marker.js";
import { checkReadiness } from "./readiness.js";

export interface AppOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Plugin specifiers loaded after the configured ones (tests, demos). */
  readonly extraPlugins?: readonly string[];
}

/** The package version, shown by `/api/v1/health` and `--version`. */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * The composition root: builds everything from a validated configuration, in order:
 * plugins loaded and their config checked → store opened and migrated → plugins registered in
 * their own containers → config applied → HTTP server → hub and plugin services started.
 * A configuration problem rejects `start()` before anything listens.
 */
export class PresenceHubApp {
  readonly clock: Clock;
  readonly logger: Logger;
  private storeImpl: KnexStore | null = null;
  private hubImpl: Hub | null = null;
  private serverImpl: Server | null = null;
  private pluginServices: { id: string; service: PluginService }[] = [];
  readonly bus: EventBus;
  readonly services: ServiceRegistry;
  private settingsImpl: SettingsService | null = null;
  private accountsImpl: AccountService | null = null;
  private box: SecretBox | null = null;
  private clusterImpl: ClusterNode | null = null;
  private redirect: HttpsRedirect | null = null;
  private marker: RunningHubMarker | null = null;
  readonly container: DependencyContainer;
  /** Every metric `GET /metrics` serves; plugins add theirs through `Tokens.Metrics`. */
  readonly metrics = new PrometheusMetrics();
  private readonly hubMetrics: HubMetrics;

  constructor(
    readonly loaded: LoadedConfig,
    private readonly options: AppOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(loaded.config.log);
    this.bus = new EventBus(this.clock, this.logger.child({ component: "bus" }));
    this.services = new ServiceRegistry(this.logger.child({ component: "services" }), () => this.clock.now());
    this.container = globalContainer.createChildContainer();
    this.hubMetrics = new HubMetrics(this.metrics, VERSION);
  }

  /** The plain-HTTP port redirecting to HTTPS, when `http.redirectHttpPort` is set and the hub runs. */
  get redirectPort(): number | null {
    return this.redirect?.port ?? null;
  }

  get store(): KnexStore {
    return required(this.storeImpl, "store");
  }
  get hub(): Hub {
    return required(this.hubImpl, "hub");
  }
  get server(): Server {
    return required(this.serverImpl, "HTTP server");
  }
  get settings(): SettingsService {
    return required(this.settingsImpl, "settings");
  }
  /** The cluster node, in cluster mode. */
  get cluster(): ClusterNode | null {
    return this.clusterImpl;
  }

  get accounts(): AccountService {
    return required(this.accountsImpl, "accounts");
  }

  /** Loads plugins and opens (migrates) the store; enough for CLI commands that only touch data. */
  async open(): Promise<{ loaded: LoadedPlugin[]; broken: BrokenPlugin[]; host: PluginHost }> {
    const { config } = this.loaded;
    const loader = new PluginLoader([this.loaded.baseDir, process.cwd()]);
    const loaded: LoadedPlugin[] = [];
    const broken: BrokenPlugin[] = [];
    const explicit = config.plugins !== undefined;
    for (const specifier of [...(config.plugins ?? BUNDLED_PLUGINS), ...(this.options.extraPlugins ?? [])]) {
      try {
        const p = await loader.load(specifier);
        (isBroken(p) ? broken : loaded).push(p as never);
      } catch (e) {
        if (!explicit && e instanceof PluginError && BUNDLED_PLUGINS.includes(specifier)) {
          this.logger.warn({ plugin: specifier }, "bundled plugin not installed; skipped");
          continue;
        }
        throw e;
      }
    }
    for (const b of broken) this.logger.error({ plugin: b.specifier, reason: b.error }, "plugin cannot be loaded; the hub runs without it");
    const host = new PluginHost(loaded, config.pluginOptions);
    host.validateConfigs();
    const box = SecretBox.loadOrCreate(this.loaded.keyFile);
    this.box = box;
    this.storeImpl = new KnexStore(
      config.store,
      box,
      this.logger.child({ component: "store" }),
      loaded.filter((p) => p.definition.migrations?.length).map((p) => ({ owner: p.definition.id, migrations: p.definition.migrations! })),
    );
    await this.storeImpl.open();
    this.accountsImpl = new AccountService(this.storeImpl);
    return { loaded, broken, host };
  }

  async start(): Promise<void> {
    const { loaded, broken, host } = await this.open();
    try {
      await this.build(loaded, broken, host);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async build(loaded: LoadedPlugin[], broken: BrokenPlugin[], host: PluginHost): Promise<void> {
    const { config } = this.loaded;
    const store = this.store;
    this.settingsImpl = new SettingsService(store.settings, this.bus);
    const hub = new Hub({ store, bus: this.bus, settings: this.settingsImpl, services: this.services, clock: this.clock, logger: this.logger.child({ component: "hub" }), writeObserver: this.hubMetrics.writeObserver });
    this.hubImpl = hub;
    const c = this.container;
    c.register(Tokens.Store, { useValue: store });
    c.register(Tokens.Database, { useValue: store.knex });
    c.register(Tokens.EventBus, { useValue: this.bus });
    c.register(Tokens.Settings, { useValue: this.settingsImpl });
    c.register(Tokens.Clock, { useValue: this.clock });
    c.register(Tokens.Hub, { useValue: hub });
    c.register(Tokens.Logger, { useValue: this.logger });
    c.register(Tokens.Accounts, { useValue: this.accounts });
    c.register(Tokens.Services, { useValue: this.services });
    c.register(Tokens.Metrics, { useValue: this.metrics });
    this.hubMetrics.attach(hub, this.services, this.bus);
    c.register(Tokens.UpgradeAuthenticator, { useValue: createUpgradeAuthenticator(this.accounts, store, this.box!.derive("session-cookie"), () => this.clock.now()) });

    for (const b of broken) this.services.addFailed(`plugin:${b.id}`, "plugin", b.error);
    const httpRegistrations: { id: string; register: (s: Server) => void | Promise<void> }[] = [];
    for (const plugin of loaded) {
      const id = plugin.definition.id;
      try {
        const contributions = await host.register(plugin, c, this.logger.child({ plugin: id }));
        for (const s of contributions.settings) this.settingsImpl.define(s.key, s.schema, s.defaultValue, s.description);
        for (const t of contributions.connectorTypes) hub.registerConnectorType(new ConnectorRegistration(t, id, contributions.container));
        for (const r of contributions.rankingRules) hub.addRankingRule(r);
        for (const f of contributions.forwardClassifiers) hub.addForwardClassifier(f);
        for (const n of contributions.notifiers) this.bus.register(n);
        for (const a of contributions.annotations) hub.addAnnotation(a);
        for (const h of contributions.http) httpRegistrations.push({ id, register: h });
        for (const s of contributions.services) this.pluginServices.push({ id: `plugin:${id}/${s.name}`, service: s });
      } catch (e) {
        this.logger.error({ plugin: id, err: e }, "plugin register() failed; the hub runs without it");
        this.services.addFailed(`plugin:${id}`, "plugin", `register() failed: ${(e as Error).message}`);
      }
    }

    const seeder = new ConfigSeeder(config, hub, this.settingsImpl, store);
    seeder.validate();
    await this.settingsImpl.load();
    await hub.load();
    await seeder.apply();
    if (config.cluster.enabled) {
      const nodeId = config.cluster.nodeId ?? `${hostname()}-${process.pid}`;
      this.clusterImpl = new ClusterNode(
        { nodeId, leaseMs: config.cluster.leaseSeconds * 1000, address: config.cluster.address ?? `${config.http.tls ? "https" : "http"}://${config.http.host}:${config.http.port}`, connection: config.store.connection! },
        store.knex,
        hub,
        this.settingsImpl,
        this.clock,
        this.logger.child({ component: "cluster", node: nodeId }),
      );
      hub.setOwnership(this.clusterImpl);
      this.hubMetrics.attachCluster(this.clusterImpl.stats);
      this.bus.register(this.clusterImpl);
    }

    // Over HTTPS the session cookie is Secure: a browser never sends it over plain HTTP.
    const session = { password: this.box!.derive("session-cookie"), secure: config.http.tls !== undefined, now: () => this.clock.now() };
    const server = createHttpServer(config.http, this.accounts, store, session, this.logger.child({ component: "http" }), { onResponse: (m, s) => this.hubMetrics.httpResponse(m, s) });
    this.serverImpl = server;
    registerHealthRoutes(server, this.services, VERSION, () =>
      checkReadiness({
        dialect: store.dialect,
        ping: () => store.ping(),
        pendingMigrations: () => store.pendingMigrations(),
        hubState: () => (this.services.has("hub") ? this.services.get("hub").state : "stopped"),
        connectors: () => hub.connectorInfos(),
      }),
    );
    if (config.metrics.enabled) registerMetricsRoute(server, this.metrics, new AddressAllowlist(config.metrics.allowFrom));
    registerServiceRoutes(server, this.services);
    registerPresenceRoutes(server, hub, this.settingsImpl);
    for (const h of httpRegistrations) {
      try {
        await h.register(server);
      } catch (e) {
        this.logger.error({ plugin: h.id, err: e }, "plugin failed to register its routes");
        if (!this.services.has(`plugin:${h.id}`)) this.services.addFailed(`plugin:${h.id}`, "plugin", `routes failed: ${(e as Error).message}`);
      }
    }
    registerClusterRoutes(server, this.clusterImpl);
    registerOpenApi(server, { title: "presence-hub", version: VERSION });
    await server.start();
    if (config.http.tls && config.http.redirectHttpPort !== undefined) {
      this.redirect = new HttpsRedirect({ host: config.http.host, port: config.http.redirectHttpPort, httpsPort: () => Number(server.info.port) });
      await this.redirect.start();
      this.logger.info({ port: this.redirect.port, to: server.info.uri }, "plain HTTP redirects to HTTPS");
    }
    if (store.dialect === "sqlite" && config.store.filename && config.store.filename !== ":memory:") {
      this.marker = new RunningHubMarker(config.store.filename);
      const other = this.marker.running();
      if (other && other.pid !== process.pid) this.logger.warn({ pid: other.pid, host: other.hostname, since: other.startedAt }, "another hub seems to run on this SQLite store; two hubs on one file fight over it");
      this.marker.claim();
    }
    await this.clusterImpl?.start();
    this.logger.info({ url: server.info.uri, store: store.dialect }, "presence hub listening");

    await this.services.start("hub");
    for (const { id, service } of this.pluginServices) {
      this.services.add(id, "plugin", () => service.start(), () => service.stop());
      await this.services.start(id);
    }
  }

  /** Stops services, flushes presence, closes the HTTP server and the store. Safe to call twice. */
  async stop(): Promise<void> {
    for (const { id } of [...this.pluginServices].reverse()) if (this.services.has(id)) await this.services.stop(id);
    if (this.hubImpl) await this.hubImpl.prepareShutdown();
    await this.clusterImpl?.stop();
    this.clusterImpl = null;
    if (this.hubImpl && this.services.has("hub")) await this.services.stop("hub");
    await this.redirect?.stop();
    this.redirect = null;
    if (this.serverImpl) await this.serverImpl.stop({ timeout: 2000 });
    this.serverImpl = null;
    if (this.storeImpl) await this.storeImpl.close();
    this.storeImpl = null;
    this.marker?.release();
    this.marker = null;
  }
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`${what} is not ready: call start() first`);
  return value;
}

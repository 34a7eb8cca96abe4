/**
 * @presence-hub/core: the public API for plugins and embedders.
 * Everything exported here is part of the plugin contract (plugin API version 1).
 */
export * from "./model/presence-status.js";
export * from "./model/connector-status.js";
export * from "./model/observation.js";
export * from "./model/presence-state.js";
export * from "./model/user.js";
export * from "./contracts/clock.js";
export * from "./contracts/connector.js";
export * from "./contracts/hub-event.js";
export * from "./contracts/logger.js";
export * from "./contracts/message-trace.js";
export * from "./contracts/metrics.js";
export * from "./contracts/notifier.js";
export * from "./contracts/user-annotation.js";
export * from "./contracts/observation-sink.js";
export * from "./contracts/store.js";
export * from "./contracts/watch-target.js";
export * from "./contracts/watch-ownership.js";
export * from "./aggregation/rules.js";
export * from "./di/tokens.js";
export * from "./errors/exception.js";
export * from "./errors/config-error.js";
export * from "./errors/conflict-error.js";
export * from "./errors/not-found-error.js";
export * from "./errors/plugin-error.js";
export * from "./plugin/connector-type.js";
export * from "./plugin/plugin-definition.js";
export * from "./store/migration.js";
export * from "./util/sip-uri-key.js";
export * from "./util/schema-validator.js";
export * from "./util/string-enum.js";
export { Backoff } from "./util/backoff.js";
export * from "./xml/xml-reader.js";
export type { Hub, ConnectorInfo } from "./hub/hub.js";
export type { EventBus } from "./hub/event-bus.js";
export { explainPresence, type PresenceExplanation, type FieldExplanation, type ExplainedSource } from "./hub/presence-explainer.js";
export type { SettingsService } from "./hub/settings-service.js";
export type { ServiceInfo, ServiceState, ServiceKind, ServiceRegistry } from "./hub/service-registry.js";
export type { Principal, AccountService } from "./security/account-service.js";
export { MIN_PASSWORD_LENGTH } from "./security/account-service.js";
export type { UpgradeAuthenticator } from "./http/upgrade-authenticator.js";
export type { RouteDoc } from "./http/openapi.js";
export { PresenceHubApp, type AppOptions } from "./app/presence-hub-app.js";
export { loadConfig, type LoadedConfig } from "./config/load-config.js";
export { validateUser } from "./hub/validate-user.js";
export { importUsersCsv, type CsvImportReport, type CsvRowError } from "./users/csv-user-import.js";
/** TypeBox, re-exported so plugins build schemas with the core's copy. */
export { Type, type Static, type TSchema, type TObject } from "@sinclair/typebox";

import { ConfigError, definePlugin, Tokens } from "@presence-hub/core";
import { DIRECTORY_PRESETS, mappedAttributes, resolveMapping } from "./attribute-mapping.js";
import { checkDirectoryConfig, DirectoryLdapConfig } from "./directory-config.js";
import { registerDirectoryRoutes } from "./directory-routes.js";
import { DirectorySync } from "./directory-sync.js";
import { LdapDirectory } from "./ldap-directory.js";
import { SyncSchedule } from "./sync-schedule.js";

/**
 * Keeps the hub's users in step with an LDAP directory (OpenLDAP, Active Directory): at start,
 * every `scheduleMinutes`, and on demand (`POST /api/v1/directory/sync`, `presence-hub users
 * sync`). Users it creates carry `origin: <origin>` (default `ldap`); it updates and removes only
 * those, never users added by hand, from the config file, a CSV import or another directory.
 *
 * Not bundled: it needs a directory to talk to. Add `@presence-hub/plugin-directory-ldap` to
 * `plugins:` and configure `pluginOptions.directory-ldap` (see the README).
 */
export default definePlugin({
  id: "directory-ldap",
  apiVersion: 1,
  configSchema: DirectoryLdapConfig,
  register(plugin) {
    const config = plugin.config;
    const issues = checkDirectoryConfig(config);
    if (issues.length) {
      throw new ConfigError("invalid configuration of plugin directory-ldap", issues.map((i) => ({ path: `pluginOptions.directory-ldap.${i.path}`, message: i.message })));
    }
    const c = plugin.container;
    const clock = c.resolve(Tokens.Clock);
    const mapping = resolveMapping(config);
    const filter = config.filter ?? DIRECTORY_PRESETS[config.directoryType].filter;
    const reader = new LdapDirectory({
      url: config.url,
      startTls: config.startTls,
      ...(config.tlsCa !== undefined ? { tlsCa: config.tlsCa } : {}),
      ...(config.bindDn !== undefined ? { bindDn: config.bindDn } : {}),
      ...(config.bindPasswordEnv !== undefined ? { bindPasswordEnv: config.bindPasswordEnv } : {}),
      ...(config.bindPasswordFile !== undefined ? { bindPasswordFile: config.bindPasswordFile } : {}),
      baseDn: config.baseDn,
      scope: config.scope,
      filter,
      attributes: mappedAttributes(mapping),
      pageSize: config.pageSize,
      timeoutSeconds: config.timeoutSeconds,
    });
    const source = { url: config.url, baseDn: config.baseDn, filter };
    const sync = new DirectorySync(reader, c.resolve(Tokens.Hub), { origin: config.origin, mapping, source, clock, logger: plugin.logger });
    const schedule = config.enabled ? new SyncSchedule(sync, clock, config.scheduleMinutes * 60_000, plugin.logger) : null;
    if (schedule) plugin.service(schedule);
    else plugin.logger.info("directory sync is disabled (pluginOptions.directory-ldap.enabled: false)");
    plugin.http((server) =>
      registerDirectoryRoutes(server, {
        sync,
        schedule,
        enabled: config.enabled,
        scheduleMinutes: config.scheduleMinutes,
        source: { ...source, origin: config.origin, bindDn: config.bindDn ?? null },
      }),
    );
  },
});

export { DirectoryLdapConfig } from "./directory-config.js";
export type { SyncReport, DirectoryStatus } from "./sync-report.js";

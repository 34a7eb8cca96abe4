import { createHash } from "node:crypto";
import type { HubConfig } from "../config/hub-config-schema.js";
import type { Store } from "../contracts/store.js";
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { ConflictError } from "../errors/conflict-error.js";
import type { Hub } from "../hub/hub.js";
import type { SettingsService } from "../hub/settings-service.js";
import { validateUser } from "../hub/validate-user.js";
import { sipUriKey } from "../util/sip-uri-key.js";

const SETTING_KEYS = [
  ["presence", "preferredServer"],
  ["presence", "monitorAll"],
  ["presence", "rankingRules"],
  ["telephony", "voicemailPilot"],
] as const;

/**
 * Applies the config file's connectors, users and settings to the store. Each entry is applied
 * when it is new or when the file changed it since it was last applied (tracked by hash), so
 * edits made in the UI survive restarts until the file says otherwise.
 */
export class ConfigSeeder {
  constructor(
    private readonly config: HubConfig,
    private readonly hub: Hub,
    private readonly settings: SettingsService,
    private readonly store: Store,
  ) {}

  /** Checks every entry against the loaded plugins; throws ConfigError naming each bad key. */
  validate(): void {
    const issues: ConfigIssue[] = [];
    const types = new Map(this.hub.connectorTypes().map((r) => [r.definition.type, r]));
    const ids = new Map<string, number>();
    this.config.connectors.forEach((entry, i) => {
      const at = `connectors[${i}]`;
      if (ids.has(entry.id)) issues.push({ path: `${at}.id`, message: `"${entry.id}" is already used by connectors[${ids.get(entry.id)}]` });
      ids.set(entry.id, i);
      const reg = types.get(entry.type);
      if (!reg) {
        issues.push({ path: `${at}.type`, message: `unknown connector type "${entry.type}" (known: ${[...types.keys()].join(", ") || "none"})` });
        return;
      }
      const { id: _id, type: _type, enabled: _enabled, ...settings } = entry;
      try {
        reg.validator.validate(settings, at);
      } catch (e) {
        if (e instanceof ConfigError) issues.push(...e.issues);
        else throw e;
      }
    });
    const seen = { username: new Map<string, number>(), firstExtension: new Map<string, number>(), sipUri: new Map<string, number>() };
    this.config.users.forEach((entry, i) => {
      const at = `users[${i}]`;
      try {
        const u = validateUser({ ...entry, displayName: entry.displayName ?? entry.username, firstExtension: entry.firstExtension ?? null, sipUri: entry.sipUri ?? null, voicemailNumber: entry.voicemailNumber ?? null });
        const keys = { username: u.username, firstExtension: u.firstExtension, sipUri: u.sipUri ? sipUriKey(u.sipUri) : null };
        for (const field of ["username", "firstExtension", "sipUri"] as const) {
          const v = keys[field];
          if (v === null) continue;
          const prior = seen[field].get(v);
          if (prior !== undefined) issues.push({ path: `${at}.${field}`, message: `"${v}" is already used by users[${prior}]` });
          else seen[field].set(v, i);
        }
      } catch (e) {
        if (e instanceof ConfigError) issues.push(...e.issues.map((x) => ({ path: `${at}.${x.path}`, message: x.message })));
        else throw e;
      }
    });
    const rules = this.config.presence.rankingRules;
    const known = this.hub.rankingRuleIds();
    rules?.forEach((r, i) => {
      if (!known.includes(r)) issues.push({ path: `presence.rankingRules[${i}]`, message: `unknown rule "${r}" (known: ${known.join(", ")})` });
    });
    if (issues.length) throw new ConfigError("invalid configuration", issues);
  }

  async apply(): Promise<void> {
    for (const [i, entry] of this.config.connectors.entries()) {
      const { id, type, enabled, ...settings } = entry;
      await this.once("connector", id, { ...entry, position: i }, () => this.hub.saveConnector({ id, type, enabled, position: i, settings }));
    }
    for (const [i, entry] of this.config.users.entries()) {
      await this.once("user", entry.username, entry, () =>
        this.hub.saveUser({
          username: entry.username,
          displayName: entry.displayName ?? entry.username,
          firstExtension: entry.firstExtension ?? null,
          sipUri: entry.sipUri ?? null,
          voicemailNumber: entry.voicemailNumber ?? null,
          origin: "config",
        }).catch((e: unknown) => {
          // The file clashes with a user added since (UI, import): the admin must decide.
          if (e instanceof ConflictError) {
            throw new ConfigError("invalid configuration", [{ path: `users[${i}].${e.field}`, message: `"${e.value}" is already used by another user in the store; change it here or there` }]);
          }
          throw e;
        }),
      );
    }
    for (const [section, key] of SETTING_KEYS) {
      const value = (this.config[section] as Record<string, unknown>)[key];
      if (value !== undefined) await this.once("setting", `${section}.${key}`, value, () => this.settings.set(`${section}.${key}`, value));
    }
  }

  private async once(kind: string, id: string, value: unknown, apply: () => Promise<unknown>): Promise<void> {
    const hash = createHash("sha256").update(JSON.stringify(value)).digest("hex");
    if ((await this.store.seeds.get(kind, id)) === hash) return;
    await apply();
    await this.store.seeds.set(kind, id, hash);
  }
}

import { StringEnum, Type, type ConfigIssue, type Static } from "@presence-hub/core";
import { FilterParser } from "ldapts";

/** An LDAP attribute description (`telephoneNumber`, `msRTCSIP-PrimaryUserAddress`, `cn;lang-de`). */
const AttributeName = Type.String({ pattern: "^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$", maxLength: 100, "x-hint": "an LDAP attribute name such as telephoneNumber" });

/**
 * Where one user field comes from: an attribute, a list of attributes tried in order (the first
 * with a usable value wins), or `null` for "not taken from the directory".
 */
const AttributeSource = Type.Union([AttributeName, Type.Array(AttributeName, { minItems: 1, maxItems: 5 }), Type.Null()]);

/** Overrides of the preset's attribute mapping, per user field. */
export const AttributeMappingConfig = Type.Object(
  {
    username: Type.Optional(Type.Union([AttributeName, Type.Array(AttributeName, { minItems: 1, maxItems: 5 })])),
    displayName: Type.Optional(AttributeSource),
    firstExtension: Type.Optional(AttributeSource),
    sipUri: Type.Optional(AttributeSource),
    voicemailNumber: Type.Optional(AttributeSource),
  },
  { additionalProperties: false, default: {} },
);

/** Origins the hub itself uses: the sync must never claim (and so never remove) those users. */
export const RESERVED_ORIGINS = ["manual", "config", "csv"] as const;

/**
 * The plugin's section, `pluginOptions.directory-ldap`. Validated when the hub loads (errors
 * name the key). The bind password is never part of it: it comes from an environment variable
 * or a file, read at each run (see {@link readBindPassword}).
 */
export const DirectoryLdapConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: "false: the plugin loads, but no sync runs (not even on demand)" }),
    url: Type.String({
      pattern: "^ldaps?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?/?$",
      "x-hint": "ldap://host[:port] or ldaps://host[:port] (no credentials, no path)",
    }),
    startTls: Type.Boolean({ default: false, description: "upgrade an ldap:// connection with StartTLS before binding" }),
    tlsCa: Type.Optional(
      Type.String({
        pattern: "^(/|-----BEGIN CERTIFICATE-----)",
        maxLength: 65536,
        "x-hint": "an absolute path to a PEM file, or the PEM text itself",
      }),
    ),
    bindDn: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    bindPasswordEnv: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,127}$", "x-hint": "an environment variable name such as LDAP_BIND_PASSWORD" })),
    bindPasswordFile: Type.Optional(Type.String({ pattern: "^/", maxLength: 4096, "x-hint": "an absolute path" })),
    baseDn: Type.String({ minLength: 1, maxLength: 1024 }),
    scope: StringEnum(["sub", "one"], { default: "sub", description: "sub: the whole subtree under baseDn; one: its direct children only" }),
    directoryType: StringEnum(["openldap", "active-directory"], { default: "openldap", description: "chooses the default filter and attribute mapping" }),
    filter: Type.Optional(Type.String({ minLength: 3, maxLength: 4096 })),
    attributes: AttributeMappingConfig,
    pageSize: Type.Integer({ minimum: 1, maximum: 10000, default: 100, description: "entries per page; at most the server's page limit (AD MaxPageSize 1000; OpenLDAP limits size.pr)" }),
    scheduleMinutes: Type.Integer({ minimum: 0, maximum: 10080, default: 60, description: "minutes between automatic runs; 0: only at start and on demand" }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 30, description: "bound for connecting and for each LDAP operation" }),
    origin: Type.String({
      pattern: `^(?!(${RESERVED_ORIGINS.join("|")})$)[a-z][a-z0-9-]{0,39}$`,
      default: "ldap",
      "x-hint": `a kebab-case name other than ${RESERVED_ORIGINS.join(", ")}`,
    }),
  },
  { additionalProperties: false },
);

export type DirectoryLdapConfig = Static<typeof DirectoryLdapConfig>;

/**
 * Checks that span several keys (the schema checks each key alone). Paths are relative to the
 * plugin's section. The filter is parsed here, so a typo stops the plugin at start rather than
 * failing every run.
 */
export function checkDirectoryConfig(config: DirectoryLdapConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const passwordKeys = [config.bindPasswordEnv, config.bindPasswordFile].filter((v) => v !== undefined).length;
  if (config.bindDn !== undefined && passwordKeys === 0) {
    issues.push({ path: "bindPasswordEnv", message: "is required with bindDn (or bindPasswordFile): the bind password never goes in the config file" });
  }
  if (passwordKeys === 2) issues.push({ path: "bindPasswordFile", message: "set bindPasswordEnv or bindPasswordFile, not both" });
  if (config.bindDn === undefined && passwordKeys > 0) issues.push({ path: "bindDn", message: "is required when a bind password is configured (without it the sync binds anonymously)" });
  const secure = config.url.startsWith("ldaps:");
  if (secure && config.startTls) issues.push({ path: "startTls", message: "is for ldap:// URLs; ldaps:// is TLS from the start" });
  if (!secure && !config.startTls && config.tlsCa !== undefined) issues.push({ path: "tlsCa", message: "is used only with ldaps:// or startTls: true" });
  if (config.filter !== undefined) {
    try {
      FilterParser.parseString(config.filter);
    } catch (e) {
      issues.push({ path: "filter", message: `is not an LDAP filter (RFC 4515) such as (objectClass=inetOrgPerson): ${(e as Error).message}` });
    }
  }
  return issues;
}

import { expect } from "chai";
import { ConfigError, SchemaValidator } from "@presence-hub/core";
import { checkDirectoryConfig, DirectoryLdapConfig } from "./directory-config.js";

const validator = new SchemaValidator(DirectoryLdapConfig, "invalid configuration of plugin directory-ldap");
const base = { url: "ldap://ldap.example.org", baseDn: "dc=example,dc=org" };

function issues(raw: unknown): string[] {
  try {
    validator.validate(raw, "pluginOptions.directory-ldap");
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("directory-ldap: configuration", () => {
  it("fills in defaults: OpenLDAP, sub scope, 100 per page, hourly, origin ldap", () => {
    expect(validator.validate(base)).to.deep.include({ enabled: true, startTls: false, scope: "sub", directoryType: "openldap", pageSize: 100, scheduleMinutes: 60, timeoutSeconds: 30, origin: "ldap", attributes: {} });
  });

  it("names the key of every schema problem", () => {
    expect(issues({})).to.include.members(["pluginOptions.directory-ldap.url: is required", "pluginOptions.directory-ldap.baseDn: is required"]);
    expect(issues({ ...base, url: "ldap://admin:pw@host" })[0]).to.match(/^pluginOptions.directory-ldap.url: must be ldap:\/\/host\[:port\] or ldaps:\/\/host\[:port\]/);
    expect(issues({ ...base, bindPassword: "secret" })[0]).to.match(/^pluginOptions.directory-ldap.bindPassword: unknown key \(allowed: .*bindPasswordEnv.*\)/);
    expect(issues({ ...base, origin: "manual" })[0]).to.match(/^pluginOptions.directory-ldap.origin: must be a kebab-case name other than manual, config, csv/);
    expect(issues({ ...base, attributes: { firstExtension: "tele phone" } })[0]).to.match(/^pluginOptions.directory-ldap.attributes.firstExtension/);
    expect(issues({ ...base, pageSize: 0 })[0]).to.match(/^pluginOptions.directory-ldap.pageSize/);
  });

  it("checks keys that depend on each other, and parses the filter", () => {
    const check = (raw: object) => checkDirectoryConfig(validator.validate({ ...base, ...raw })).map((i) => `${i.path}: ${i.message}`);
    expect(check({ bindDn: "cn=hub,dc=example,dc=org", bindPasswordEnv: "LDAP_PW" })).to.deep.equal([]);
    expect(check({ bindDn: "cn=hub,dc=example,dc=org" })[0]).to.match(/^bindPasswordEnv: is required with bindDn/);
    expect(check({ bindDn: "cn=x", bindPasswordEnv: "A", bindPasswordFile: "/run/pw" })[0]).to.match(/^bindPasswordFile: set bindPasswordEnv or bindPasswordFile, not both/);
    expect(check({ bindPasswordEnv: "A" })[0]).to.match(/^bindDn: is required/);
    expect(check({ url: "ldaps://ldap.example.org", startTls: true })[0]).to.match(/^startTls: is for ldap:\/\/ URLs/);
    expect(check({ tlsCa: "/etc/ssl/ca.pem" })[0]).to.match(/^tlsCa: is used only with ldaps:\/\/ or startTls/);
    expect(check({ filter: "(objectClass=person" })[0]).to.match(/^filter: is not an LDAP filter/);
  });
});

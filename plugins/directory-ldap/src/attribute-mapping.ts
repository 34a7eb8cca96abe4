import type { DirectoryLdapConfig } from "./directory-config.js";

/** The user fields a directory entry can fill. */
export const MAPPED_FIELDS = ["username", "displayName", "firstExtension", "sipUri", "voicemailNumber"] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

/**
 * Which attributes fill which user field, each as attributes tried in order (the first with a
 * usable value wins); an empty list means the field is not taken from the directory.
 */
export type AttributeMapping = Readonly<Record<MappedField, readonly string[]>>;

/** A directory flavour's defaults: what selects people, and where their fields live. */
export interface DirectoryPreset {
  readonly filter: string;
  readonly mapping: AttributeMapping;
}

/**
 * Defaults per directory type. Neither schema has a standard attribute for a voicemail number,
 * so it is left unmapped: map one explicitly (e.g. `pager`) where your directory keeps it.
 */
export const DIRECTORY_PRESETS: Readonly<Record<DirectoryLdapConfig["directoryType"], DirectoryPreset>> = {
  // inetOrgPerson (RFC 2798). labeledURI may hold web pages too: only sip:/sips: values count.
  openldap: {
    filter: "(objectClass=inetOrgPerson)",
    mapping: {
      username: ["uid"],
      displayName: ["displayName", "cn"],
      firstExtension: ["telephoneNumber"],
      sipUri: ["labeledURI"],
      voicemailNumber: [],
    },
  },
  // Enabled user accounts (bit 2 of userAccountControl clear); ipPhone is the IP phone's
  // extension, msRTCSIP-PrimaryUserAddress the SIP address Lync/Skype/Teams provisioning sets.
  "active-directory": {
    filter: "(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
    mapping: {
      username: ["sAMAccountName"],
      displayName: ["displayName", "cn"],
      firstExtension: ["ipPhone"],
      sipUri: ["msRTCSIP-PrimaryUserAddress"],
      voicemailNumber: [],
    },
  },
};

/** The preset for the configured directory type with the configured overrides applied. */
export function resolveMapping(config: Pick<DirectoryLdapConfig, "directoryType" | "attributes">): AttributeMapping {
  const preset = DIRECTORY_PRESETS[config.directoryType].mapping;
  const out = { ...preset } as Record<MappedField, readonly string[]>;
  for (const field of MAPPED_FIELDS) {
    const override = config.attributes?.[field];
    if (override === undefined) continue;
    out[field] = override === null ? [] : Array.isArray(override) ? [...override] : [override];
  }
  return out;
}

/** Every attribute the mapping reads: what the search asks the server for, and nothing more. */
export function mappedAttributes(mapping: AttributeMapping): string[] {
  const seen = new Map<string, string>();
  for (const field of MAPPED_FIELDS) for (const a of mapping[field]) if (!seen.has(a.toLowerCase())) seen.set(a.toLowerCase(), a);
  return [...seen.values()];
}

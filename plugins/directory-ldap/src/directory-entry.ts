/**
 * One entry as read from the directory: its DN and the values of the attributes the mapping
 * reads. LDAP attribute names are case-insensitive, so the keys are lower-cased.
 */
export interface DirectoryEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** Builds an entry from attribute values in any letter case (tests, readers). */
export function directoryEntry(dn: string, attributes: Readonly<Record<string, string | readonly string[]>>): DirectoryEntry {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const values = typeof value === "string" ? [value] : [...value];
    (out[name.toLowerCase()] ??= []).push(...values);
  }
  return { dn, attributes: out };
}

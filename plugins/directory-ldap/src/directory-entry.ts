/**
 * One entry as read from the directory: its DN and the values of the attributes the mapping
 * reads. LDAP attribute names are case-insensitive, so the keys are lower-cased.
 */
/** Orders anything with a DN by its DN (reports list entries in a stable order). */
export function byDn(a: { readonly dn: string }, b: { readonly dn: string }): number {
  return a.dn < b.dn ? -1 : a.dn > b.dn ? 1 : 0;
}

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

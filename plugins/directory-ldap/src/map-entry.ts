import { ConfigError, EXTENSION_PATTERN, sipUriKey, validateUser, type User } from "@presence-hub/core";
import type { AttributeMapping } from "./attribute-mapping.js";
import type { DirectoryEntry } from "./directory-entry.js";

/** A directory entry that makes a valid hub user. */
export interface MappedUser {
  readonly kind: "user";
  readonly dn: string;
  readonly user: User;
}

/** A directory entry that does not: why, in words an admin can act on. */
export interface SkippedEntry {
  readonly kind: "skipped";
  readonly dn: string;
  /** The username the entry would have had, when it has one. */
  readonly username: string | null;
  readonly reason: string;
}

export type MappedEntry = MappedUser | SkippedEntry;

/** What directories put between digits for readability: "+49 (89) 1234-201", "555.0100". */
const DIAL_SEPARATORS = /[\s().\-/]/g;

/**
 * Turns a directory entry into a hub user with `origin`, or says why it cannot be one. Pure: no
 * I/O, the same entry always gives the same answer.
 *
 * The checks are the core's own user validation (`validateUser`), applied here so a run can
 * report every problem before writing anything. On top:
 * phone numbers lose readability separators, a `sip:`/`sips:` value (or a bare `user@host`) is
 * taken as the SIP URI while other URIs (a web page in `labeledURI`) are ignored, and an entry
 * with neither a first extension nor a SIP URI is skipped: the hub could show no presence for it.
 */
export function mapEntry(entry: DirectoryEntry, mapping: AttributeMapping, origin: string): MappedEntry {
  const values = (attribute: string): string[] => (entry.attributes[attribute.toLowerCase()] ?? []).map((v) => v.trim()).filter((v) => v !== "");
  const skip = (username: string | null, reason: string): SkippedEntry => ({ kind: "skipped", dn: entry.dn, username, reason });

  const username = pickUsername(entry.dn, mapping.username, values);
  if (username === null) return skip(null, `no username: ${describe(mapping.username)} is missing or empty`);
  const name = username.value;
  const problems: string[] = [];

  const displayName = first(mapping.displayName, values)?.value.replace(/\s+/g, " ") ?? name;

  const firstExtension = dialString("first extension", mapping.firstExtension, values, problems);
  const voicemailNumber = dialString("voicemail number", mapping.voicemailNumber, values, problems);
  const sipUri = sipAddress(mapping.sipUri, values, problems);

  if (problems.length) return skip(name, problems.join("; "));
  if (firstExtension === null && sipUri === null) {
    return skip(name, `no first extension (${describe(mapping.firstExtension)}) and no SIP URI (${describe(mapping.sipUri)}): the hub could show no presence for this entry; narrow the filter to people with a phone`);
  }
  try {
    const user = validateUser({ username: name, displayName, firstExtension, sipUri, voicemailNumber, origin });
    return { kind: "user", dn: entry.dn, user };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const invalidName = e.issues.some((i) => i.path === "username");
    return skip(invalidName ? null : name, e.issues.map((i) => `${i.path === "username" ? `username ${JSON.stringify(name)} (${username.attribute})` : i.path} ${i.message}`).join("; "));
  }
}

/**
 * The username: the first mapped attribute with a value. An attribute may hold several values
 * (`uid: alice`, `uid: a.example`); the one naming the entry in its DN is the canonical one.
 */
function pickUsername(dn: string, attributes: readonly string[], values: (a: string) => string[]): { attribute: string; value: string } | null {
  const rdn = /^([A-Za-z][A-Za-z0-9-]*)=([^,+\\]+),/.exec(dn);
  for (const attribute of attributes) {
    const vs = values(attribute);
    if (vs.length === 0) continue;
    const fromDn = rdn && rdn[1]!.toLowerCase() === attribute.toLowerCase() ? vs.find((v) => v === rdn[2]!.trim()) : undefined;
    return { attribute, value: fromDn ?? vs[0]! };
  }
  return null;
}

function first(attributes: readonly string[], values: (a: string) => string[]): { attribute: string; value: string } | null {
  for (const attribute of attributes) {
    const v = values(attribute)[0];
    if (v !== undefined) return { attribute, value: v };
  }
  return null;
}

/** The first value that is a dial string once readability separators are gone. */
function dialString(what: string, attributes: readonly string[], values: (a: string) => string[], problems: string[]): string | null {
  let rejected: { attribute: string; value: string } | null = null;
  for (const attribute of attributes) {
    for (const value of values(attribute)) {
      const dial = value.replace(DIAL_SEPARATORS, "");
      if (EXTENSION_PATTERN.test(dial)) return dial;
      rejected ??= { attribute, value };
    }
  }
  if (rejected) problems.push(`${what}: ${rejected.attribute} ${JSON.stringify(rejected.value)} is not a dial string (digits, optional leading +, * and #)`);
  return null;
}

/**
 * The first SIP address among the values: `sip:`/`sips:` URIs, or a bare `user@host` (as in
 * `mail`), which becomes `sip:user@host`. `labeledURI` values are "URI label": the label goes.
 */
function sipAddress(attributes: readonly string[], values: (a: string) => string[], problems: string[]): string | null {
  for (const attribute of attributes) {
    for (const value of values(attribute)) {
      const uri = value.split(/\s+/)[0]!;
      const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
      if (scheme !== undefined && scheme !== "sip" && scheme !== "sips") continue; // a web page, tel:, mailto:
      if (scheme === undefined && !uri.includes("@")) continue;
      const full = scheme === undefined ? `sip:${uri}` : uri;
      if (!sipUriKey(full)) {
        problems.push(`SIP URI: ${attribute} ${JSON.stringify(value)} is not a SIP URI such as sip:alice@example.com`);
        return null;
      }
      return full;
    }
  }
  return null;
}

function describe(attributes: readonly string[]): string {
  return attributes.length === 0 ? "not mapped" : attributes.join(" or ");
}

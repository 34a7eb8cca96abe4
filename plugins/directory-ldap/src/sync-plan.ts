import { sipUriKey, type User } from "@presence-hub/core";
import type { AttributeMapping } from "./attribute-mapping.js";
import { byDn, type DirectoryEntry } from "./directory-entry.js";
import { mapEntry, type MappedUser, type SkippedEntry } from "./map-entry.js";

/** The user fields a sync compares and may change (the username is the identity). */
export const SYNCED_FIELDS = ["displayName", "firstExtension", "sipUri", "voicemailNumber"] as const;
export type SyncedField = (typeof SYNCED_FIELDS)[number];

export interface FieldChange {
  readonly field: SyncedField;
  readonly from: string | null;
  readonly to: string | null;
}

export interface PlannedAdd {
  readonly dn: string;
  readonly user: User;
}

export interface PlannedUpdate {
  readonly dn: string;
  readonly before: User;
  readonly after: User;
  readonly changes: readonly FieldChange[];
}

/** What a run would do: computed without touching anything, applied (or only shown) afterwards. */
export interface SyncPlan {
  readonly add: readonly PlannedAdd[];
  readonly update: readonly PlannedUpdate[];
  /** Users of this origin that no entry stands for any more. */
  readonly remove: readonly User[];
  readonly unchanged: number;
  /** Entries left out, with the reason; a user they stand for stays as it is. */
  readonly skipped: readonly SkippedEntry[];
}

export interface PlanOptions {
  readonly mapping: AttributeMapping;
  /** The origin this directory's users carry; only those are ever updated or removed. */
  readonly origin: string;
}

type KeyField = "username" | "firstExtension" | "sipUri";

/** The values that must be unique among all users, as the store compares them. */
function keysOf(user: User): Partial<Record<KeyField, string>> {
  const keys: Partial<Record<KeyField, string>> = { username: user.username };
  if (user.firstExtension !== null) keys.firstExtension = user.firstExtension;
  const sip = user.sipUri === null ? null : sipUriKey(user.sipUri);
  if (sip !== null) keys.sipUri = sip;
  return keys;
}

/**
 * Computes a run's changes from the directory's entries and the hub's current users. Pure.
 *
 * Nothing is imported half: an entry is either taken whole or skipped with its reason.
 * - Entries that cannot be users (no username, bad values, no presence key) are skipped.
 * - Entries sharing a username, extension or SIP URI are all skipped, not "first wins": the
 *   server's order is arbitrary, and a winner that changed between runs would flap.
 * - An entry whose username belongs to a user of another origin (manual, config, CSV, another
 *   directory) is skipped: the sync never touches users it did not create.
 * - An entry whose extension or SIP URI is held by a user it may not change (another origin, or
 *   one of its own users whose entry is skipped) is skipped.
 * A user of this origin whose entry is skipped stays as it is: skipping is not removing. Only
 * users of this origin that no entry names any more are removed.
 */
export function planSync(entries: readonly DirectoryEntry[], current: readonly User[], options: PlanOptions): SyncPlan {
  const { origin } = options;
  const sorted = [...entries].sort(byDn);
  const skipped: SkippedEntry[] = [];
  let candidates: MappedUser[] = [];
  for (const entry of sorted) {
    const mapped = mapEntry(entry, options.mapping, origin);
    if (mapped.kind === "user") candidates.push(mapped);
    else skipped.push(mapped);
  }

  candidates = withoutDuplicates(candidates, skipped);

  const byUsername = new Map(current.map((u) => [u.username, u]));
  candidates = candidates.filter((c) => {
    const existing = byUsername.get(c.user.username);
    if (!existing || existing.origin === origin) return true;
    skipped.push({ kind: "skipped", dn: c.dn, username: c.user.username, reason: `username "${c.user.username}" belongs to a user from ${existing.origin}; the directory sync never changes users it did not create` });
    return false;
  });

  // Keys held by users this run will not change: other origins, and own users whose entries are
  // skipped. Skipping a candidate for a clash may keep its old user, holding more keys: repeat.
  const keepAsIs = new Set(skipped.map((s) => s.username).filter((u): u is string => u !== null && byUsername.get(u)?.origin === origin));
  for (;;) {
    const held = new Map<string, User>();
    for (const u of current) {
      if (u.origin !== origin || keepAsIs.has(u.username)) for (const [field, value] of Object.entries(keysOf(u))) held.set(`${field}:${value}`, u);
    }
    let clashes = 0;
    candidates = candidates.filter((c) => {
      const keys = keysOf(c.user);
      for (const field of ["firstExtension", "sipUri"] as const) {
        const value = keys[field];
        const holder = value === undefined ? undefined : held.get(`${field}:${value}`);
        if (!holder || holder.username === c.user.username) continue;
        skipped.push({ kind: "skipped", dn: c.dn, username: c.user.username, reason: `${field} "${value}" is already used by ${holder.username} (${holder.origin === origin ? "kept as it is, its entry is skipped" : `from ${holder.origin}`})` });
        if (byUsername.get(c.user.username)?.origin === origin) keepAsIs.add(c.user.username);
        clashes++;
        return false;
      }
      return true;
    });
    if (clashes === 0) break;
  }

  const add: PlannedAdd[] = [];
  const update: PlannedUpdate[] = [];
  let unchanged = 0;
  for (const c of candidates) {
    const before = byUsername.get(c.user.username);
    if (!before) {
      add.push({ dn: c.dn, user: c.user });
      continue;
    }
    const changes = SYNCED_FIELDS.filter((f) => before[f] !== c.user[f]).map((f) => ({ field: f, from: before[f], to: c.user[f] }));
    if (changes.length === 0) unchanged++;
    else update.push({ dn: c.dn, before, after: c.user, changes });
  }

  const named = new Set([...candidates.map((c) => c.user.username), ...keepAsIs]);
  const remove = current.filter((u) => u.origin === origin && !named.has(u.username)).sort((a, b) => a.username.localeCompare(b.username));
  skipped.sort(byDn);
  return { add, update, remove, unchanged, skipped };
}

/**
 * Drops (into `skipped`) every candidate that shares a unique value with another one, or its
 * username with an entry already skipped (which one is the person is then anyone's guess).
 */
function withoutDuplicates(candidates: readonly MappedUser[], skipped: SkippedEntry[]): MappedUser[] {
  const skippedByName = new Map<string, string>();
  for (const s of skipped) if (s.username !== null && !skippedByName.has(s.username)) skippedByName.set(s.username, s.dn);
  const groups = new Map<string, MappedUser[]>();
  for (const c of candidates) {
    for (const [field, value] of Object.entries(keysOf(c.user))) {
      const key = `${field}:${value}`;
      const group = groups.get(key);
      if (group) group.push(c);
      else groups.set(key, [c]);
    }
  }
  const reasons = new Map<MappedUser, string[]>();
  for (const [key, group] of groups) {
    if (group.length < 2) continue;
    const sep = key.indexOf(":");
    const field = key.slice(0, sep);
    const value = key.slice(sep + 1);
    for (const c of group) {
      const others = group.filter((o) => o !== c).map((o) => o.dn);
      const shown = others.slice(0, 3).join("; ") + (others.length > 3 ? ` and ${others.length - 3} more` : "");
      (reasons.get(c) ?? reasons.set(c, []).get(c)!).push(`duplicate ${field} "${value}" in the directory: also ${shown}`);
    }
  }
  for (const c of candidates) {
    const other = skippedByName.get(c.user.username);
    if (other !== undefined) (reasons.get(c) ?? reasons.set(c, []).get(c)!).push(`duplicate username "${c.user.username}" in the directory: also ${other} (skipped itself)`);
  }
  for (const [c, why] of reasons) skipped.push({ kind: "skipped", dn: c.dn, username: c.user.username, reason: why.join("; ") });
  return candidates.filter((c) => !reasons.has(c));
}

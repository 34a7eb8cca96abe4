import type { InjectionToken } from "tsyringe";
import { ConfigError, type Clock, type Tokens } from "@presence-hub/core";

/** The hub's knex handle, named through its DI token so this package needs no knex dependency of its own. */
type Database = typeof Tokens.Database extends InjectionToken<infer D> ? D : never;

/** Most contacts one account keeps: the console watches them all, so the list stays a list. */
export const MAX_CONTACTS = 500;

/**
 * Each account's personal contact list for the attendant console, in the store: an operator
 * finds their list on any desk and browser, and in cluster mode on any node (every read goes to
 * the shared store; nothing is cached). Adding and removing are single-row operations, so two
 * tabs of the same operator never overwrite each other's changes.
 */
export class ContactLists {
  constructor(
    private readonly knex: Database,
    private readonly clock: Clock,
  ) {}

  /** The account's contacts (usernames), oldest first. */
  async list(owner: string): Promise<string[]> {
    const rows = (await this.knex("console_contacts").where({ owner }).select("username").orderBy([{ column: "added_at" }, { column: "username" }])) as { username: string }[];
    return rows.map((r) => r.username);
  }

  /** Adds a contact at the end of the list (already there: unchanged). Throws ConfigError past {@link MAX_CONTACTS}. */
  async add(owner: string, username: string): Promise<string[]> {
    const current = await this.list(owner);
    if (current.includes(username)) return current;
    if (current.length >= MAX_CONTACTS) throw new ConfigError("contact list full", [{ path: "username", message: `a contact list holds at most ${MAX_CONTACTS} people; remove some first` }]);
    await this.knex("console_contacts").insert({ owner, username, added_at: this.clock.now() }).onConflict(["owner", "username"]).ignore();
    return this.list(owner);
  }

  /** Removes a contact (not there: unchanged). */
  async remove(owner: string, username: string): Promise<string[]> {
    await this.knex("console_contacts").where({ owner, username }).delete();
    return this.list(owner);
  }

  /** A user was deleted: off every list (a new user of the same name later is someone else). */
  async forgetUser(username: string): Promise<void> {
    await this.knex("console_contacts").where({ username }).delete();
  }

  /** An account was deleted: its list goes with it. */
  async forgetOwner(owner: string): Promise<void> {
    await this.knex("console_contacts").where({ owner }).delete();
  }
}

import type { Knex } from "knex";
import type { UserRepository } from "../../contracts/store.js";
import type { User } from "../../model/user.js";
import { sipUriKey } from "../../util/sip-uri-key.js";
import { translateUniqueViolation } from "../unique-violation.js";

interface UserRow {
  username: string;
  display_name: string;
  first_extension: string | null;
  sip_uri: string | null;
  voicemail_number: string | null;
  origin: string;
}

const UNIQUE_COLUMNS = { first_extension: "firstExtension", sip_uri_key: "sipUri", username: "username" } as const;

export class KnexUserRepository implements UserRepository {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<User[]> {
    return (await this.knex<UserRow>("users").select().orderBy("username")).map(toUser);
  }

  async get(username: string): Promise<User | null> {
    const row = await this.knex<UserRow>("users").where({ username }).first();
    return row ? toUser(row) : null;
  }

  async upsert(user: User): Promise<"created" | "updated" | "unchanged"> {
    const now = Date.now();
    const row = {
      username: user.username,
      display_name: user.displayName,
      first_extension: user.firstExtension,
      sip_uri: user.sipUri,
      sip_uri_key: user.sipUri ? sipUriKey(user.sipUri) : null,
      voicemail_number: user.voicemailNumber,
      origin: user.origin,
    };
    try {
      return await this.knex.transaction(async (trx) => {
        const existing = await trx<UserRow>("users").where({ username: user.username }).first();
        if (!existing) {
          await trx("users").insert({ ...row, created_at: now, updated_at: now });
          return "created";
        }
        const same = (Object.keys(row) as (keyof typeof row)[]).every((k) => k === "sip_uri_key" || (existing as unknown as Record<string, unknown>)[k] === row[k]);
        if (same) return "unchanged";
        await trx("users").where({ username: user.username }).update({ ...row, updated_at: now });
        return "updated";
      });
    } catch (e) {
      throw translateUniqueViolation(e, UNIQUE_COLUMNS, (f) => String((user as unknown as Record<string, unknown>)[f]));
    }
  }

  async remove(username: string): Promise<boolean> {
    return (await this.knex("users").where({ username }).delete()) > 0;
  }
}

function toUser(r: UserRow): User {
  return {
    username: r.username,
    displayName: r.display_name,
    firstExtension: r.first_extension,
    sipUri: r.sip_uri,
    voicemailNumber: r.voicemail_number,
    origin: r.origin,
  };
}

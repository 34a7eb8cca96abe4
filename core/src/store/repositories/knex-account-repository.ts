import type { Knex } from "knex";
import type { Account, AccountRepository, Role } from "../../contracts/store.js";

export class KnexAccountRepository implements AccountRepository {
  constructor(private readonly knex: Knex) {}

  async get(username: string): Promise<Account | null> {
    const r = await this.knex("accounts").where({ username }).first();
    return r ? { username: r.username, role: r.role as Role, passwordHash: r.password_hash } : null;
  }

  async list(): Promise<Omit<Account, "passwordHash">[]> {
    return (await this.knex("accounts").select("username", "role").orderBy("username")).map((r) => ({ username: r.username, role: r.role }));
  }

  async save(account: Account): Promise<void> {
    await this.knex("accounts")
      .insert({ username: account.username, role: account.role, password_hash: account.passwordHash, created_at: Date.now() })
      .onConflict("username")
      .merge(["role", "password_hash"]);
  }

  async remove(username: string): Promise<boolean> {
    return (await this.knex("accounts").where({ username }).delete()) > 0;
  }
}

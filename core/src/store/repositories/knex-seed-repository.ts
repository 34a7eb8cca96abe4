import type { Knex } from "knex";
import type { SeedRepository } from "../../contracts/store.js";

export class KnexSeedRepository implements SeedRepository {
  constructor(private readonly knex: Knex) {}

  async get(kind: string, id: string): Promise<string | null> {
    const r = await this.knex("config_seeds").where({ kind, id }).first();
    return r ? r.hash : null;
  }

  async set(kind: string, id: string, hash: string): Promise<void> {
    await this.knex("config_seeds").insert({ kind, id, hash }).onConflict(["kind", "id"]).merge(["hash"]);
  }
}

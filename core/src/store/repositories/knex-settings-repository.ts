import type { Knex } from "knex";
import type { SettingsRepository } from "../../contracts/store.js";

export class KnexSettingsRepository implements SettingsRepository {
  constructor(private readonly knex: Knex) {}

  async getAll(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const r of await this.knex("settings").select("key", "value")) out[r.key] = JSON.parse(r.value);
    return out;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.knex("settings")
      .insert({ key, value: JSON.stringify(value ?? null), updated_at: Date.now() })
      .onConflict("key")
      .merge();
  }
}

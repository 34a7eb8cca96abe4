import type { Knex } from "knex";
import type { ConnectorRecord, ConnectorRepository } from "../../contracts/store.js";
import type { SecretBox } from "../secret-box.js";

interface ConnectorRow {
  id: string;
  type: string;
  enabled: boolean | number;
  position: number;
  settings: string;
  secrets: string;
}

/** Connector configurations; secret settings are sealed with the {@link SecretBox} before writing. */
export class KnexConnectorRepository implements ConnectorRepository {
  constructor(
    private readonly knex: Knex,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<ConnectorRecord[]> {
    return (await this.knex<ConnectorRow>("connectors").select().orderBy([{ column: "position" }, { column: "id" }])).map((r) => this.toRecord(r));
  }

  async get(id: string): Promise<ConnectorRecord | null> {
    const row = await this.knex<ConnectorRow>("connectors").where({ id }).first();
    return row ? this.toRecord(row) : null;
  }

  async save(record: ConnectorRecord): Promise<void> {
    const now = Date.now();
    const sealed: Record<string, string> = {};
    for (const [k, v] of Object.entries(record.secrets)) sealed[k] = this.box.seal(v);
    await this.knex("connectors")
      .insert({
        id: record.id,
        type: record.type,
        enabled: record.enabled,
        position: record.position,
        settings: JSON.stringify(record.settings),
        secrets: JSON.stringify(sealed),
        created_at: now,
        updated_at: now,
      })
      .onConflict("id")
      .merge(["type", "enabled", "position", "settings", "secrets", "updated_at"]);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.knex("connectors").where({ id }).delete()) > 0;
  }

  private toRecord(r: ConnectorRow): ConnectorRecord {
    const secrets: Record<string, string> = {};
    for (const [k, v] of Object.entries(JSON.parse(r.secrets) as Record<string, string>)) secrets[k] = this.box.open(v);
    return { id: r.id, type: r.type, enabled: Boolean(r.enabled), position: Number(r.position), settings: JSON.parse(r.settings), secrets };
  }
}

import type { Knex } from "knex";
import type { Migration } from "../migration.js";

/** Users, settings, connectors, presence (per source, aggregated, history), accounts, tokens, seeds. */
export const initial: Migration = {
  name: "0001-initial",
  async up(knex: Knex) {
    await knex.schema.createTable("users", (t) => {
      t.string("username", 64).primary();
      t.string("display_name", 200).notNullable();
      t.string("first_extension", 32).nullable().unique();
      t.string("sip_uri", 300).nullable();
      t.string("sip_uri_key", 300).nullable().unique();
      t.string("voicemail_number", 32).nullable();
      t.string("origin", 64).notNullable();
      t.bigInteger("created_at").notNullable();
      t.bigInteger("updated_at").notNullable();
    });
    await knex.schema.createTable("settings", (t) => {
      t.string("key", 100).primary();
      t.text("value").notNullable();
      t.bigInteger("updated_at").notNullable();
    });
    await knex.schema.createTable("connectors", (t) => {
      t.string("id", 40).primary();
      t.string("type", 64).notNullable();
      t.boolean("enabled").notNullable();
      t.integer("position").notNullable();
      t.text("settings").notNullable();
      t.text("secrets").notNullable();
      t.bigInteger("created_at").notNullable();
      t.bigInteger("updated_at").notNullable();
    });
    await knex.schema.createTable("presence_sources", (t) => {
      t.string("username", 64).notNullable();
      t.string("field", 16).notNullable();
      t.string("source", 40).notNullable();
      t.text("report").notNullable();
      t.bigInteger("at").notNullable();
      t.primary(["username", "field", "source"]);
    });
    await knex.schema.createTable("presence_states", (t) => {
      t.string("username", 64).notNullable();
      t.string("field", 16).notNullable();
      t.string("status", 32).notNullable();
      t.text("state").notNullable();
      t.bigInteger("since").notNullable();
      t.primary(["username", "field"]);
    });
    await knex.schema.createTable("presence_history", (t) => {
      t.increments("id").primary();
      t.string("username", 64).notNullable();
      t.string("field", 16).notNullable();
      t.string("status", 32).notNullable();
      t.string("source", 40).notNullable();
      t.string("rule", 64).notNullable();
      t.bigInteger("at").notNullable();
      t.index(["username", "id"]);
    });
    await knex.schema.createTable("accounts", (t) => {
      t.string("username", 64).primary();
      t.string("role", 16).notNullable();
      t.text("password_hash").notNullable();
      t.bigInteger("created_at").notNullable();
    });
    await knex.schema.createTable("api_tokens", (t) => {
      t.string("id", 32).primary();
      t.string("token_hash", 128).notNullable().unique();
      t.string("role", 16).notNullable();
      t.string("label", 200).notNullable();
      t.bigInteger("created_at").notNullable();
    });
    await knex.schema.createTable("config_seeds", (t) => {
      t.string("kind", 32).notNullable();
      t.string("id", 100).notNullable();
      t.string("hash", 64).notNullable();
      t.primary(["kind", "id"]);
    });
  },
};

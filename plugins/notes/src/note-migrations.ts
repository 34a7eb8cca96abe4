import type { Migration } from "@presence-hub/core";

/** The notes table and the audit trail of every change. */
export const noteMigrations: readonly Migration[] = [
  {
    name: "0001-notes",
    async up(knex) {
      await knex.schema.createTable("notes", (t) => {
        t.string("username", 64).primary();
        t.text("text").notNullable();
        t.string("author", 200).notNullable();
        t.string("visible_to", 16).notNullable();
        t.bigInteger("valid_until").nullable();
        t.integer("version").notNullable();
        t.bigInteger("created_at").notNullable();
        t.bigInteger("updated_at").notNullable();
      });
      await knex.schema.createTable("note_audit", (t) => {
        t.increments("id").primary();
        t.string("username", 64).notNullable();
        t.string("action", 16).notNullable();
        t.string("actor", 200).notNullable();
        t.bigInteger("at").notNullable();
        t.text("before").nullable();
        t.text("after").nullable();
        t.index(["username", "id"]);
        t.index(["at"]);
      });
    },
  },
];

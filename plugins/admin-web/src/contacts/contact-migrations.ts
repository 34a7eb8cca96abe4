import type { Migration } from "@presence-hub/core";

/** The operators' personal contact lists: one row per (account, contact). */
export const contactMigrations: readonly Migration[] = [
  {
    name: "0001-console-contacts",
    async up(knex) {
      await knex.schema.createTable("console_contacts", (t) => {
        t.string("owner", 64).notNullable();
        t.string("username", 64).notNullable();
        t.bigInteger("added_at").notNullable();
        t.primary(["owner", "username"]);
        // Removing a deleted user from every list.
        t.index(["username"]);
      });
    },
  },
];

import type { Knex } from "knex";
import type { Migration } from "../migration.js";

/**
 * Cluster coordination in the shared store (PostgreSQL in cluster mode; harmless on SQLite):
 * node liveness leases, which node holds which outbound watch, and which node has demand for
 * which user.
 */
export const cluster: Migration = {
  name: "0002-cluster",
  async up(knex: Knex) {
    await knex.schema.createTable("cluster_nodes", (t) => {
      t.string("node_id", 100).primary();
      t.string("address", 200).notNullable();
      t.bigInteger("started_at").notNullable();
      t.bigInteger("heartbeat_at").notNullable();
    });
    await knex.schema.createTable("cluster_claims", (t) => {
      t.string("unit", 700).primary();
      t.string("node_id", 100).notNullable().index();
      t.bigInteger("claimed_at").notNullable();
    });
    await knex.schema.createTable("cluster_demand", (t) => {
      t.string("node_id", 100).notNullable();
      t.string("username", 64).notNullable();
      t.primary(["node_id", "username"]);
    });
  },
};

import type { Knex } from "knex";

/**
 * One schema change. Core and every plugin ship an explicit ordered list (no globbing, so
 * bundles keep working); the migrator prefixes names with the owner (`core/0001-initial`,
 * `notes/0001-notes`) and applies each one in its own transaction together with its log entry.
 */
export interface Migration {
  /** Ordered name within its owner, e.g. `0001-initial`. */
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

import type { Migration } from "../migration.js";
import { initial } from "./0001-initial.js";
import { cluster } from "./0002-cluster.js";

/** The core's migrations, in order. Append only. */
export const coreMigrations: readonly Migration[] = [initial, cluster];

import type { Migration } from "../migration.js";
import { initial } from "./0001-initial.js";

/** The core's migrations, in order. Append only. */
export const coreMigrations: readonly Migration[] = [initial];

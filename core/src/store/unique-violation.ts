import { ConflictError } from "../errors/conflict-error.js";

/**
 * Turns a database unique-constraint error into a {@link ConflictError} naming the field, for
 * SQLite ("UNIQUE constraint failed: users.first_extension") and PostgreSQL (code 23505,
 * constraint `users_first_extension_unique`). Other errors are returned unchanged.
 */
export function translateUniqueViolation(error: unknown, columns: Readonly<Record<string, string>>, value: (field: string) => string): unknown {
  const e = error as { code?: string; message?: string; constraint?: string; detail?: string };
  const isUnique = e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || e.code === "23505";
  if (!isUnique) return error;
  // knex prefixes the message with the SQL (which names every column): look only at the
  // part that names the violated constraint.
  const sqlite = /constraint failed: (.*)$/.exec(e.message ?? "");
  const text = e.code === "23505" ? `${e.constraint ?? ""} ${e.detail ?? ""}` : (sqlite?.[1] ?? "");
  for (const [column, field] of Object.entries(columns)) {
    if (text.includes(column)) return new ConflictError(field, value(field));
  }
  return error;
}

import { Type, type TUnsafe } from "@sinclair/typebox";

/**
 * A string that must be one of `values`, as a plain JSON Schema `enum`: validation errors then
 * read "must be one of "udp", "tcp"" instead of one error per alternative.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

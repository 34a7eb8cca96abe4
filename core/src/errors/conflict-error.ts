import { Exception } from "./exception.js";

/** A uniqueness rule was broken, e.g. two users with the same first extension. */
export class ConflictError extends Exception {
  constructor(
    /** The field that must be unique: `username`, `firstExtension`, `sipUri`, `id`… */
    readonly field: string,
    readonly value: string,
    message?: string,
  ) {
    super(message ?? `${field} "${value}" is already in use`);
  }
}

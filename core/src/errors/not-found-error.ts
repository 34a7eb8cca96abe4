import { Exception } from "./exception.js";

/** Something named by the caller does not exist (a user, a connector, a service). */
export class NotFoundError extends Exception {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} "${id}" not found`);
  }
}

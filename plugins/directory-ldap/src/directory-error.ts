import { Exception } from "@presence-hub/core";

/** Where a run failed: reading the password, reaching the server, TLS, binding, searching. */
export type DirectoryFailurePhase = "password" | "connect" | "tls" | "bind" | "search" | "safety";

/**
 * A run could not read the directory (or refused to act on what it read). The message says what
 * happened and what to do; it never contains the bind password. A run that fails this way
 * changes no user.
 */
export class DirectoryError extends Exception {
  constructor(
    readonly phase: DirectoryFailurePhase,
    message: string,
  ) {
    super(message);
  }
}

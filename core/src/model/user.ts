/**
 * A person whose presence the hub shows (DESIGN §2).
 *
 * `firstExtension` keys telephony presence, `sipUri` keys rich presence. Either may be absent:
 * the matching field then shows `user-not-configured`.
 */
export interface User {
  /** Unique login-style name; the key of the public API (`/users/{username}`). */
  readonly username: string;
  readonly displayName: string;
  readonly firstExtension: string | null;
  readonly sipUri: string | null;
  readonly voicemailNumber: string | null;
  /** Where the record came from: `manual`, `config`, `csv`, or a directory plugin's id. */
  readonly origin: string;
}

/** A user as an admin, an import or the config gives it: only the username is required. */
export interface UserInput {
  readonly username: string;
  readonly displayName?: string | null;
  readonly firstExtension?: string | null;
  readonly sipUri?: string | null;
  readonly voicemailNumber?: string | null;
  readonly origin?: string;
}

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Dial strings: digits with an optional leading `+`, and `*`/`#` feature codes. */
export const EXTENSION_PATTERN = /^\+?[0-9*#]{1,32}$/;

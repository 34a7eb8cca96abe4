/**
 * Extension point: a plugin-contributed part of every user's representation (the notes plugin's
 * `note`). Consoles and the API show it under `name`. When it changes, the plugin publishes an
 * `annotation` event on the bus so streams push the user again.
 */
export interface UserAnnotationProvider {
  /** Key in the user representation, e.g. `note`. */
  readonly name: string;
  /** The value for a user (JSON-serialisable), or null. Synchronous and cheap: called per representation. */
  get(username: string, viewer: { readonly role: "admin" | "operator" }): unknown;
  /** Cluster mode: another node changed this user's value in the store; re-read it. */
  refresh?(username: string): Promise<void>;
}

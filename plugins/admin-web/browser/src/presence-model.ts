import { noteOf, type NoteView, type UserView } from "./types.js";

/** Told about a user's new representation, or null when the user was deleted. */
export type UserListener = (user: UserView | null) => void;

/**
 * The console's client-side model: the latest representation of every user it shows, keyed by
 * username, fed by the stream (snapshots, replays, deltas) and by search answers. Views listen
 * per username, so a delta touches only the rows of the users it names.
 */
export class PresenceModel {
  private readonly users = new Map<string, UserView>();
  private readonly listeners = new Map<string, Set<UserListener>>();

  get(username: string): UserView | undefined {
    return this.users.get(username);
  }

  /** Takes a representation from the stream: always the latest, so it replaces what is here. */
  put(user: UserView): void {
    this.users.set(user.username, user);
    this.emit(user.username, user);
  }

  /**
   * Takes a representation from a search answer only for a user the stream has not told about:
   * the answer may have been computed before a delta already applied here.
   */
  seed(user: UserView): void {
    if (!this.users.has(user.username)) this.put(user);
  }

  /**
   * Applies the answer of this console's own note change ahead of the stream's delta: a saved
   * note unless a newer version is here already; a cleared one only if nobody changed it since.
   */
  applyNoteChange(username: string, change: { saved: NoteView } | { clearedVersion: number }): void {
    const user = this.users.get(username);
    if (!user) return;
    const current = noteOf(user.note);
    if ("saved" in change) {
      if (!current || current.version < change.saved.version) this.put({ ...user, note: change.saved });
    } else if (current && current.version === change.clearedVersion) this.put({ ...user, note: null });
  }

  /** The user was deleted. */
  remove(username: string): void {
    this.users.delete(username);
    this.emit(username, null);
  }

  /** Listens to one user's changes; returns the function that stops listening. */
  listen(username: string, listener: UserListener): () => void {
    let set = this.listeners.get(username);
    if (!set) this.listeners.set(username, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(username);
    };
  }

  private emit(username: string, user: UserView | null): void {
    for (const l of [...(this.listeners.get(username) ?? [])]) l(user);
  }
}

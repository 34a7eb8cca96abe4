import { api } from "./api.js";

/**
 * The signed-in operator's personal contact list, kept by the hub (`/api/v1/me/contacts`) so
 * it follows the operator to any desk and browser. The answer of every change is the whole
 * list, which becomes the truth here (another tab's changes included).
 */
export class ContactList {
  private names: string[] = [];
  private readonly listeners: (() => void)[] = [];

  get usernames(): readonly string[] {
    return this.names;
  }

  has(username: string): boolean {
    return this.names.includes(username);
  }

  async load(): Promise<void> {
    this.set((await api<{ contacts: string[] }>("GET", "/api/v1/me/contacts")).contacts);
  }

  async add(username: string): Promise<void> {
    this.set((await api<{ contacts: string[] }>("PUT", `/api/v1/me/contacts/${encodeURIComponent(username)}`)).contacts);
  }

  async remove(username: string): Promise<void> {
    this.set((await api<{ contacts: string[] }>("DELETE", `/api/v1/me/contacts/${encodeURIComponent(username)}`)).contacts);
  }

  /** A user was deleted from the hub (the hub drops them from every list too). */
  forget(username: string): void {
    if (this.has(username)) this.set(this.names.filter((u) => u !== username));
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private set(names: string[]): void {
    this.names = names;
    for (const l of this.listeners) l();
  }
}

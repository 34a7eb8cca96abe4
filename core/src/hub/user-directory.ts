import type { UserKey } from "../model/observation.js";
import type { PresenceField } from "../model/presence-status.js";
import type { User } from "../model/user.js";
import { sipUriKey } from "../util/sip-uri-key.js";
import { UserRecord } from "./field-slot.js";

/**
 * Users by username, and the indexes that map a connector's key back to a user: first
 * extension for telephony, SIP URI (as configured, and by user@host) for rich presence.
 */
export class UserDirectory {
  private readonly byUsername = new Map<string, UserRecord>();
  private readonly byExtension = new Map<string, UserRecord>();
  private readonly bySipUri = new Map<string, UserRecord>();
  private readonly bySipKey = new Map<string, UserRecord>();

  get size(): number {
    return this.byUsername.size;
  }

  all(): IterableIterator<UserRecord> {
    return this.byUsername.values();
  }

  get(username: string): UserRecord | undefined {
    return this.byUsername.get(username);
  }

  /** Adds or replaces a user's record; returns it (the existing record object is kept). */
  put(user: User): UserRecord {
    let record = this.byUsername.get(user.username);
    if (record) this.unindex(record.user, record);
    else {
      record = new UserRecord(user);
      this.byUsername.set(user.username, record);
    }
    record.user = user;
    if (user.firstExtension) this.byExtension.set(user.firstExtension, record);
    if (user.sipUri) {
      this.bySipUri.set(user.sipUri, record);
      const key = sipUriKey(user.sipUri);
      if (key) this.bySipKey.set(key, record);
    }
    return record;
  }

  remove(username: string): UserRecord | undefined {
    const record = this.byUsername.get(username);
    if (!record) return undefined;
    this.unindex(record.user, record);
    this.byUsername.delete(username);
    return record;
  }

  /** Hot path: exact matches first (connectors echo the key they were given). */
  find(key: UserKey): UserRecord | undefined {
    switch (key.by) {
      case "extension":
        return this.byExtension.get(key.value);
      case "username":
        return this.byUsername.get(key.value);
      case "sipUri": {
        const exact = this.bySipUri.get(key.value);
        if (exact) return exact;
        const normalised = sipUriKey(key.value);
        return normalised ? this.bySipKey.get(normalised) : undefined;
      }
    }
  }

  /** The key connectors watch for a user's field, or null when the user lacks it. */
  static keyFor(user: User, field: PresenceField): UserKey | null {
    if (field === "telephony") return user.firstExtension ? { by: "extension", value: user.firstExtension } : null;
    return user.sipUri ? { by: "sipUri", value: user.sipUri } : null;
  }

  private unindex(user: User, record: UserRecord): void {
    if (user.firstExtension && this.byExtension.get(user.firstExtension) === record) this.byExtension.delete(user.firstExtension);
    if (user.sipUri) {
      if (this.bySipUri.get(user.sipUri) === record) this.bySipUri.delete(user.sipUri);
      const key = sipUriKey(user.sipUri);
      if (key && this.bySipKey.get(key) === record) this.bySipKey.delete(key);
    }
  }
}

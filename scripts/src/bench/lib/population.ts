/**
 * The benchmark's users: `u0000`… with extension `20000 + i` (telephony, `Event: dialog`) and
 * SIP URI `sip:u0000@127.0.0.1` (rich, `Event: presence`). Every process derives names from the
 * index the same way, so results travel between processes as arrays indexed by user.
 */

/** SIP domain of every presentity (loopback only). */
export const DOMAIN = "127.0.0.1";

/** Username of user `i`. */
export function username(i: number): string {
  return `u${String(i).padStart(4, "0")}`;
}

/** First extension of user `i`. */
export function extension(i: number): string {
  return String(20000 + i);
}

/** SIP URI of user `i`. */
export function sipUri(i: number): string {
  return `sip:${username(i)}@${DOMAIN}`;
}

/** Index of a username (`u0042` → 42), or -1. */
export function indexOfUsername(name: string): number {
  if (name.charCodeAt(0) !== 117 /* u */) return -1;
  const i = Number(name.slice(1));
  return Number.isInteger(i) ? i : -1;
}

/** Index of the user a SIP target user part names (`u0042` or `20042`), and which field it is. */
export function indexOfTarget(userPart: string): { index: number; field: "rich" | "telephony" } | null {
  if (userPart.startsWith("u")) {
    const i = indexOfUsername(userPart);
    return i >= 0 ? { index: i, field: "rich" } : null;
  }
  const n = Number(userPart);
  return Number.isInteger(n) && n >= 20000 ? { index: n - 20000, field: "telephony" } : null;
}

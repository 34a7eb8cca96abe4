import type { IncomingHttpHeaders } from "node:http";
import Iron from "@hapi/iron";
import type { Store } from "../contracts/store.js";
import type { AccountService, Principal } from "../security/account-service.js";
import { SESSION_COOKIE, SESSION_MAX_AGE_MS } from "./session-auth.js";

/**
 * Authenticates requests that bypass hapi's router, such as WebSocket upgrades: a Bearer token
 * (header or `?token=`), or the browser session cookie. A cookie is honoured only when the
 * `Origin` is the hub itself: browsers send cookies on cross-site WebSocket connections, so
 * without that check any web page could read the stream (cross-site WebSocket hijacking).
 */
export interface UpgradeAuthenticator {
  authenticate(headers: IncomingHttpHeaders, url: URL): Promise<Principal | null>;
}

export function createUpgradeAuthenticator(accounts: AccountService, store: Store, cookiePassword: string, now: () => number): UpgradeAuthenticator {
  return {
    async authenticate(headers, url) {
      const auth = headers.authorization;
      const bearer = typeof auth === "string" ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
      const token = bearer ?? url.searchParams.get("token") ?? undefined;
      if (token) return accounts.authenticateToken(token);
      const cookie = readCookie(headers.cookie, SESSION_COOKIE);
      if (!cookie) return null;
      const origin = headers.origin;
      if (typeof origin !== "string" || !sameOrigin(origin, headers.host)) return null;
      let session: { u?: unknown; r?: unknown; t?: unknown };
      try {
        session = (await Iron.unseal(cookie, cookiePassword, Iron.defaults)) as typeof session;
      } catch {
        return null;
      }
      if (typeof session.u !== "string" || typeof session.t !== "number" || now() - session.t > SESSION_MAX_AGE_MS) return null;
      const account = await store.accounts.get(session.u);
      return account && account.role === session.r ? { kind: "account", name: account.username, role: account.role } : null;
    },
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

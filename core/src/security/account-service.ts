import type { ApiToken, Role, Store } from "../contracts/store.js";
import { ConfigError } from "../errors/config-error.js";
import { USERNAME_PATTERN } from "../model/user.js";
import { generateToken, hashToken, TOKEN_PREFIX } from "./api-token.js";
import { hashPassword, verifyPassword } from "./password-hash.js";

/** Minimum password length for admin and operator accounts. */
export const MIN_PASSWORD_LENGTH = 10;

/** Who is calling, once authenticated. */
export interface Principal {
  readonly kind: "account" | "token";
  readonly name: string;
  readonly role: "admin" | "operator";
}

/** Accounts (admins, operators; scrypt-hashed passwords) and API tokens (stored hashed, shown once). */
export class AccountService {
  constructor(private readonly store: Store) {}

  async addAccount(username: string, password: string, role: Role): Promise<void> {
    const issues = [];
    if (!USERNAME_PATTERN.test(username)) issues.push({ path: "name", message: "must be 1-64 letters, digits, . _ @ -" });
    if (password.length < MIN_PASSWORD_LENGTH) issues.push({ path: "password", message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
    if (password.length > 1024) issues.push({ path: "password", message: "must be at most 1024 characters" });
    if (issues.length) throw new ConfigError("invalid account", issues);
    await this.store.accounts.save({ username, role, passwordHash: await hashPassword(password) });
  }

  /** The account's principal if the password matches, else null (same work either way). */
  async login(username: string, password: string): Promise<Principal | null> {
    const account = await this.store.accounts.get(username);
    const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
    return account && ok ? { kind: "account", name: account.username, role: account.role } : null;
  }

  /** Creates a token; the plain token is returned once and never stored. */
  async createToken(role: Role, label: string, now = Date.now()): Promise<{ token: string; info: ApiToken }> {
    const { token, id, hash } = generateToken();
    const info: ApiToken = { id, role, label, createdAt: now };
    await this.store.tokens.create(info, hash);
    return { token, info };
  }

  async authenticateToken(token: string): Promise<Principal | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const info = await this.store.tokens.findByHash(hashToken(token));
    return info ? { kind: "token", name: info.label || info.id, role: info.role } : null;
  }
}

// A valid hash of a random password: unknown usernames cost the same scrypt work as known ones.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

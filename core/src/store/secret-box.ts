import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Encrypts secrets at rest (connector passwords) with AES-256-GCM under a key kept in a file
 * outside the database, created on first start with owner-only permissions. A stolen database
 * alone reveals no password; back up the key file with it.
 */
export class SecretBox {
  private static readonly PREFIX = "v1:";

  private constructor(private readonly key: Buffer) {}

  /** Reads the key file, creating it (0600, 32 random bytes, hex) when it does not exist yet. */
  static loadOrCreate(keyFile: string): SecretBox {
    let text: string;
    try {
      text = readFileSync(keyFile, "utf8").trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      mkdirSync(path.dirname(keyFile), { recursive: true });
      text = randomBytes(32).toString("hex");
      writeFileSync(keyFile, text + "\n", { mode: 0o600, flag: "wx" });
      chmodSync(keyFile, 0o600);
    }
    if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`secret key file ${keyFile} is not 64 hex digits; restore it from backup`);
    return new SecretBox(Buffer.from(text, "hex"));
  }

  /** For tests and tools that hold a key in memory. */
  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error("secret key must be 32 bytes");
    return new SecretBox(key);
  }

  /** A secret for another purpose (e.g. the session cookie key), derived so the key file stays the only secret. */
  derive(label: string): string {
    return createHmac("sha256", this.key).update(label).digest("hex");
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return SecretBox.PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  open(sealed: string): string {
    if (!sealed.startsWith(SecretBox.PREFIX)) throw new Error("not a sealed secret");
    const raw = Buffer.from(sealed.slice(SecretBox.PREFIX.length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      throw new Error("cannot decrypt a stored secret: the key file does not match this database");
    }
  }
}

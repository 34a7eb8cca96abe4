import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { Client, ResultCodeError, type Entry } from "ldapts";
import { readBindPassword, type BindPasswordSource } from "./bind-password.js";
import type { DirectoryEntry } from "./directory-entry.js";
import { DirectoryError } from "./directory-error.js";

/** What one read of the directory returned. */
export interface DirectoryReadResult {
  readonly entries: readonly DirectoryEntry[];
  /** Pages the server sent (paged results control, RFC 2696). */
  readonly pages: number;
}

/** Reads every entry a run considers; rejects with {@link DirectoryError}, having read nothing usable. */
export interface DirectoryReader {
  read(): Promise<DirectoryReadResult>;
}

/** Everything needed to reach and search the directory (the password is read per run). */
export interface LdapConnectionSettings extends BindPasswordSource {
  readonly url: string;
  readonly startTls: boolean;
  /** PEM text or an absolute path to a PEM file: the CA(s) to trust instead of the system's. */
  readonly tlsCa?: string;
  /** Absent: anonymous (no bind). */
  readonly bindDn?: string;
  readonly baseDn: string;
  readonly scope: "sub" | "one";
  readonly filter: string;
  /** The attributes to ask for (what the mapping reads). */
  readonly attributes: readonly string[];
  readonly pageSize: number;
  readonly timeoutSeconds: number;
}

/** TLS failures Node reports by code; the fix is nearly always the CA. */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_|HOSTNAME_MISMATCH)/;

/**
 * The directory over LDAP (ldapts): connect (`ldap://`, `ldaps://`, optionally StartTLS), bind
 * as the service account, search with the paged results control so directories larger than
 * the server's size limit (OpenLDAP `sizelimit`, AD `MaxPageSize`) are read whole, unbind. One
 * connection per run: runs are minutes apart, and a fresh bind picks up a rotated password.
 */
export class LdapDirectory implements DirectoryReader {
  constructor(private readonly settings: LdapConnectionSettings) {}

  async read(): Promise<DirectoryReadResult> {
    const s = this.settings;
    const password = s.bindDn !== undefined ? await readBindPassword(s) : null;
    const tls = await this.tlsOptions();
    const timeout = s.timeoutSeconds * 1000;
    // ldapts treats any tlsOptions as "connect with TLS": give them to the client for ldaps://
    // only; StartTLS gets its own copy (ldapts adds the socket to it).
    const client = new Client({ url: s.url, timeout, connectTimeout: timeout, ...(tls && !s.startTls ? { tlsOptions: tls } : {}) });
    let phase: "connect" | "bind" | "search" = "connect";
    try {
      if (s.startTls) await client.startTLS({ ...tls });
      phase = "bind";
      if (s.bindDn !== undefined) await client.bind(s.bindDn, password!);
      phase = "search";
      const entries: DirectoryEntry[] = [];
      let pages = 0;
      const search = client.searchPaginated(s.baseDn, { scope: s.scope, filter: s.filter, attributes: [...s.attributes], paged: { pageSize: s.pageSize }, timeLimit: s.timeoutSeconds });
      for await (const page of search) {
        pages++;
        for (const e of page.searchEntries) entries.push(toDirectoryEntry(e));
      }
      return { entries, pages };
    } catch (e) {
      throw this.explain(e, phase);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async tlsOptions(): Promise<ConnectionOptions | null> {
    const { tlsCa, url, startTls } = this.settings;
    if (!url.startsWith("ldaps:") && !startTls) return null;
    // The certificate must name the host in the URL; StartTLS upgrades a socket, so say which
    // host that is (else Node checks the certificate against "localhost").
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    const identity: ConnectionOptions = { host, ...(isIP(host) ? {} : { servername: host }) };
    if (tlsCa === undefined) return identity;
    if (tlsCa.startsWith("-----BEGIN")) return { ...identity, ca: [tlsCa] };
    try {
      return { ...identity, ca: [await readFile(tlsCa, "utf8")] };
    } catch (e) {
      throw new DirectoryError("tls", `cannot read the CA file ${tlsCa} (pluginOptions.directory-ldap.tlsCa): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  /** Says what failed and what to do, in an admin's words; never includes the password. */
  private explain(error: unknown, phase: "connect" | "bind" | "search"): DirectoryError {
    const s = this.settings;
    const e = error as NodeJS.ErrnoException & { code?: string | number };
    if (error instanceof DirectoryError) return error;
    if (typeof e.code === "string" && TLS_CODES.test(e.code)) {
      return new DirectoryError("tls", `TLS with ${s.url} failed: ${e.message}${s.tlsCa === undefined ? " (set tlsCa to the CA that signed the server's certificate)" : " (check that tlsCa is the CA that signed the server's certificate, and that the certificate names the host in the URL)"}`);
    }
    if (typeof e.code === "string") return new DirectoryError("connect", `cannot connect to ${s.url}: ${e.code}${e.message && !e.message.includes(e.code) ? ` (${e.message})` : ""}`);
    if (error instanceof ResultCodeError) {
      const code = error.code;
      // ldapts appends " Code: 0x31" to the server's diagnostic text; AD's text carries the
      // reason behind a refused bind ("data 775": locked, "data 532": password expired).
      const diagnostic = error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, "").trim();
      const detail = diagnostic ? ` (server: ${diagnostic})` : "";
      if (code === 49) return new DirectoryError("bind", `the directory refused the bind as "${s.bindDn ?? ""}": invalid credentials${detail}; check bindDn and the password (${this.passwordSource()})`);
      if (code === 48 || code === 53) return new DirectoryError("bind", `the directory refused the bind as "${s.bindDn ?? "(anonymous)"}" (LDAP result ${code})${detail}; set bindDn to a service account allowed to read ${s.baseDn}`);
      if (code === 8 || code === 13) return new DirectoryError(phase, `the directory requires a protected connection (LDAP result ${code}); use ldaps:// or startTls: true`);
      if (code === 32) return new DirectoryError("search", `baseDn "${s.baseDn}" does not exist on ${s.url}${detail}`);
      if (code === 50) return new DirectoryError(phase, `"${s.bindDn ?? "(anonymous)"}" may not read ${s.baseDn} (insufficient access)${detail}`);
      if (code === 4 || code === 11) {
        return new DirectoryError("search", `the server's size limit cut the search short (LDAP result ${code}); lower pageSize (now ${s.pageSize}) to the server's page limit (AD MaxPageSize, 1000 by default; OpenLDAP sizelimit / limits size.pr)`);
      }
      if (code === 3) return new DirectoryError("search", `the search took longer than ${s.timeoutSeconds} s on the server; narrow the filter or raise timeoutSeconds`);
      return new DirectoryError(phase, `${phase} failed with LDAP result ${code} (${error.name})${detail}`);
    }
    const message = (error as Error)?.message ?? String(error);
    if (/timeout|timed out/i.test(message)) return new DirectoryError(phase, `no answer from ${s.url} within ${s.timeoutSeconds} s during ${phase}; check the URL and firewalls, or raise timeoutSeconds`);
    return new DirectoryError(phase, `${phase} failed: ${message}`);
  }

  private passwordSource(): string {
    const s = this.settings;
    return s.bindPasswordEnv !== undefined ? `environment variable ${s.bindPasswordEnv}` : `file ${s.bindPasswordFile ?? "?"}`;
  }
}

/** ldapts gives strings, lists, or buffers (binary values): all become lists of strings. */
function toDirectoryEntry(e: Entry): DirectoryEntry {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(e)) {
    if (name === "dn") continue;
    const list = Array.isArray(value) ? value : [value];
    (attributes[name.toLowerCase()] ??= []).push(...list.map((v: string | Buffer) => (typeof v === "string" ? v : v.toString("utf8"))));
  }
  return { dn: e.dn, attributes };
}

import { promises as dns } from "node:dns";
import { isIP } from "node:net";

/** A configured server address: `host[:port]`, IPv6 in brackets. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number | undefined;
}

/** A resolved target. */
export interface ResolvedServer {
  readonly address: string;
  readonly port: number;
  /** How it was found, for the connector's status detail. */
  readonly via: "literal" | "srv" | "a";
}

/** SIP default ports (RFC 3261 §19.1.2). */
export function defaultPort(protocol: "udp" | "tcp" | "tls"): number {
  return protocol === "tls" ? 5061 : 5060;
}

/** Splits `host[:port]`; throws with a message naming the expected form. */
export function parseServerAddress(value: string): ServerAddress {
  const v = value.trim();
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/.exec(v);
  if (!m) throw new Error(`server address "${value}" is not host[:port]`);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`server port ${port} is out of range`);
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * Resolves the server: an IP literal as is; a name with a port by A/AAAA; a name without a port
 * by DNS SRV (`_sip._udp`, `_sip._tcp`, `_sips._tcp`, lowest priority, then highest weight),
 * falling back to A/AAAA on the default port (RFC 3263 §4.2, without NAPTR).
 */
export async function resolveServer(server: ServerAddress, protocol: "udp" | "tcp" | "tls"): Promise<ResolvedServer> {
  if (isIP(server.host)) return { address: server.host, port: server.port ?? defaultPort(protocol), via: "literal" };
  if (server.port === undefined) {
    const name = protocol === "tls" ? `_sips._tcp.${server.host}` : `_sip._${protocol}.${server.host}`;
    try {
      const records = await dns.resolveSrv(name);
      records.sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      const best = records[0];
      if (best) {
        const target = await lookup(best.name);
        return { address: target, port: best.port, via: "srv" };
      }
    } catch {
      // no SRV records: fall through to A/AAAA on the default port
    }
  }
  return { address: await lookup(server.host), port: server.port ?? defaultPort(protocol), via: "a" };
}

async function lookup(host: string): Promise<string> {
  try {
    return (await dns.lookup(host)).address;
  } catch (e) {
    throw new Error(`cannot resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

import { BlockList, isIP } from "node:net";

/** An IP address or CIDR block, parsed. */
export interface AddressBlock {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** Parses `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`; null when it is neither an address nor a block. */
export function parseAddressBlock(text: string): AddressBlock | null {
  const [address = "", prefixText, extra] = text.split("/");
  if (extra !== undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * A set of addresses and CIDR blocks that remote addresses are checked against. IPv4 clients
 * seen on a dual-stack socket (`::ffff:10.1.2.3`) match IPv4 entries, so an allowlist written
 * with IPv4 blocks works whatever address family the server listens on.
 */
export class AddressAllowlist {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const block = parseAddressBlock(entry);
      if (!block) throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR block`);
      this.list.addSubnet(block.address, block.prefix, block.family);
    }
    this.empty = entries.length === 0;
  }

  /** Whether the remote address (as a socket reports it) is in the list. */
  allows(remote: string | undefined): boolean {
    if (this.empty || !remote) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
    const address = mapped ? mapped[1]! : remote;
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? "ipv4" : "ipv6");
  }
}

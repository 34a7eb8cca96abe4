import { readFileSync } from "node:fs";

/** `RcvbufErrors` of the whole host (`/proc/net/snmp`): any socket's receive-buffer overflows; null where not available. */
export function hostRcvbufErrors(): number | null {
  try {
    const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    const i = names.indexOf("RcvbufErrors");
    return i > 0 ? Number(values[i]) : null;
  } catch {
    return null;
  }
}

/**
 * Datagrams dropped by the UDP socket bound to `port` (127.0.0.1 or any address) (the `drops` column of
 * `/proc/net/udp`): unlike the host-wide counter, other programs' sockets cannot move it.
 * Null when the socket is not found or procfs is not there.
 */
export function socketDrops(port: number): number | null {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    const wanted = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`]);
    for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (wanted.has(cols[1] ?? "")) return Number(cols[cols.length - 1]);
    }
    return null;
  } catch {
    return null;
  }
}

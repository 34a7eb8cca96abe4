/**
 * The comparison key of a SIP URI for mapping presence to users: `user@host`, host lower-cased,
 * scheme (`sip`, `sips`, `pres`), port, parameters and headers dropped. Presence servers key
 * presentities by user@host (Kamailio ignores the port), so the hub does the same.
 * A bare `user@host` is accepted; another scheme (`tel:`, `mailto:` …) or a missing user part
 * gives null.
 */
export function sipUriKey(uri: string): string | null {
  let s = uri.trim();
  if (s.startsWith("<") && s.endsWith(">")) s = s.slice(1, -1);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== "sip" && name !== "sips" && name !== "pres") return null;
    s = s.slice(scheme[0].length);
  }
  const cut = s.search(/[;?>]/);
  if (cut >= 0) s = s.slice(0, cut);
  const at = s.lastIndexOf("@");
  if (at <= 0 || at === s.length - 1) return null;
  const user = s.slice(0, at);
  let host = s.slice(at + 1).toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end < 0) return null;
    host = host.slice(0, end + 1);
  } else {
    const port = host.indexOf(":");
    if (port >= 0) host = host.slice(0, port);
  }
  if (!host || /[\s@]/.test(user) || /[\s/]/.test(host)) return null;
  return `${user}@${host}`;
}

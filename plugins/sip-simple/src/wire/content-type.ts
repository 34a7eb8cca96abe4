import { SipSyntaxError } from "./syntax.js";

/**
 * Content-Type values (RFC 3261 §20.15 / RFC 2045 §5.1): `type/subtype *(;param)`, the one
 * grammar of the plugin for both the header accessor and body routing. Multipart bodies need
 * the `boundary`, `type` and `start` parameters, which may be quoted (Kamailio quotes `type` and
 * `start`); unquoted boundaries with `/`, `=` or `:` are accepted because senders use them.
 */
export interface ContentType {
  /** Top-level type, lower-cased (`"application"`). */
  readonly type: string;
  /** Subtype, lower-cased (`"pidf+xml"`). */
  readonly subtype: string;
  /** `type/subtype`, lower-cased: the value to compare against. */
  readonly mediaType: string;
  /** Parameters by lower-cased name; quoted values are unquoted and unescaped; the first of duplicates wins. */
  readonly parameters: ReadonlyMap<string, string>;
}

/** Parses a Content-Type (or `c:`) value. Throws {@link SipSyntaxError}. */
export function parseContentType(value: string): ContentType {
  const parsed = tryParseContentType(value);
  if (!parsed) throw new SipSyntaxError("content-type", `malformed Content-Type ${JSON.stringify(value.slice(0, 80))}`);
  return parsed;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNQUOTED_VALUE = /^[^\s";\\]+$/;
const NO_PARAMETERS: ReadonlyMap<string, string> = new Map();

/**
 * Parses a Content-Type value; returns null when it is not `token/token` with well-formed
 * parameters. Never throws (body routing must not).
 */
export function tryParseContentType(value: string): ContentType | null {
  const semi = value.indexOf(";");
  const media = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = media.indexOf("/");
  if (slash <= 0 || slash === media.length - 1) return null;
  const type = media.slice(0, slash).trim();
  const subtype = media.slice(slash + 1).trim();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  const mediaType = `${type}/${subtype}`;
  if (semi === -1) return { type, subtype, mediaType, parameters: NO_PARAMETERS };

  const parameters = new Map<string, string>();
  let i = semi + 1;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === " " || value[i] === "\t" || value[i] === ";")) i++;
    if (i >= n) break;
    const eq = value.indexOf("=", i);
    if (eq === -1) return null;
    const name = value.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return null;
    i = eq + 1;
    while (i < n && (value[i] === " " || value[i] === "\t")) i++;
    let v: string;
    if (value[i] === '"') {
      // quoted-string: backslash escapes the next character.
      let out = "";
      i++;
      for (;;) {
        if (i >= n) return null;
        const ch = value[i]!;
        if (ch === "\\") {
          if (i + 1 >= n) return null;
          out += value[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          out += ch;
          i++;
        }
      }
      v = out;
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      if (i < n && value[i] !== ";") return null;
    } else {
      const end = value.indexOf(";", i);
      v = (end === -1 ? value.slice(i) : value.slice(i, end)).trim();
      i = end === -1 ? n : end;
      // Lenient on purpose: unquoted boundaries with '/', '=' or ':' (not tokens) are common.
      if (v === "" || !UNQUOTED_VALUE.test(v)) return null;
    }
    // First occurrence wins: a duplicated parameter is a sender bug, and the first is what
    // most stacks use.
    if (!parameters.has(name)) parameters.set(name, v);
  }
  return { type, subtype, mediaType, parameters };
}

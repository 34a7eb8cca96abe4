/**
 * The comparable form of a dial string or URI: scheme (`tel:`, `sip:`, `sips:`) and host
 * dropped (user part only), parameters dropped, visual separators (spaces, `-`, `.`, `(`, `)`)
 * and a leading `+` removed. `sip:8000@pbx;user=phone` and `+80 00` both give `8000`.
 * Returns null when nothing dialable is left.
 */
export function normalizeNumber(value: string): string | null {
  let s = value.trim();
  if (s.startsWith("<") && s.endsWith(">")) s = s.slice(1, -1);
  const scheme = /^(tel|sips?):/i.exec(s);
  if (scheme) s = s.slice(scheme[0].length);
  const at = s.indexOf("@");
  if (at >= 0) s = s.slice(0, at);
  const semi = s.indexOf(";");
  if (semi >= 0) s = s.slice(0, semi);
  s = s.replace(/[\s\-.()]/g, "").replace(/^\+/, "");
  return /^[0-9*#]+$/.test(s) ? s : null;
}

/**
 * A copy of `s` that is one flat string of its own. V8 stores a slice of 13 or more characters as
 * a view into its parent string, so a 30-character Contact URI or tag taken from a NOTIFY keeps
 * the whole message (about 1 KB) in memory for as long as it is kept: with 20,000 subscriptions
 * that was 8 MB of old NOTIFYs. A string built by concatenation (a template literal) is a tree
 * of 32-byte nodes over its parts. Neither shape is worth keeping for the life of a dialog or a
 * watch; a JSON round trip yields a fresh sequential string (`(" " + s).slice(1)`, used before,
 * still made a 32-byte view, of the copy). Short strings are copied by V8 already.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

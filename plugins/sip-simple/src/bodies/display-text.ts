/**
 * Free text from a remote server (PIDF notes, dialog-info display names) ends up on attendant
 * consoles verbatim, so it is cleaned once, here, before it leaves the body layer.
 */
import { ownString } from "../wire/own-string.js";

/** Default cap for texts shown on a console line. */
export const DEFAULT_DISPLAY_TEXT_LENGTH = 256;

// C0/C1 controls, DEL, and the bidi marks/overrides/isolates: a note must not be able to
// reorder or hide the rest of a console line ("Trojan Source" style).
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const SPACES = /\s+/g;

/**
 * Makes free text safe to show: unsafe characters become spaces, whitespace runs collapse, the
 * ends are trimmed, and the result is capped to `max` code points (never splitting a surrogate
 * pair). Returns undefined when nothing is left. The result is a copy of its own: it outlives the
 * body it came from (a note or a caller's name stays in the user's state), and a view into the
 * body would keep the whole document in memory.
 */
export function sanitizeDisplayText(text: string, max = DEFAULT_DISPLAY_TEXT_LENGTH): string | undefined {
  let s = text.replace(UNSAFE, " ").replace(SPACES, " ").trim();
  if (s === "") return undefined;
  if (s.length > max) {
    const codePoints = Array.from(s);
    if (codePoints.length > max) s = codePoints.slice(0, max).join("").trimEnd();
  }
  return ownString(s);
}

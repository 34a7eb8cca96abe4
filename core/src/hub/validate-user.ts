import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { EXTENSION_PATTERN, USERNAME_PATTERN, type User, type UserInput } from "../model/user.js";
import { sipUriKey } from "../util/sip-uri-key.js";

/**
 * Checks and normalises a user record from any entry point (API, CSV, config): trims text,
 * turns empty optional fields into null, adds `sip:` to a bare `user@host`. Throws
 * {@link ConfigError} listing every problem by field name.
 */
export function validateUser(input: UserInput, where = `invalid user ${JSON.stringify(input?.username ?? "")}`): User {
  const issues: ConfigIssue[] = [];
  const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
  const username = text(input?.username) ?? "";
  if (!USERNAME_PATTERN.test(username)) issues.push({ path: "username", message: "must be 1-64 letters, digits, . _ @ - (starting with a letter or digit)" });
  const displayName = text(input?.displayName) ?? username;
  if (displayName.length > 200) issues.push({ path: "displayName", message: "must be at most 200 characters" });
  if (/[\u0000-\u001f\u007f]/.test(displayName)) issues.push({ path: "displayName", message: "must not contain control characters" });
  // An unpaired UTF-16 surrogate is not text: the stores write UTF-8 and would keep U+FFFD instead.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(displayName)) issues.push({ path: "displayName", message: "must be valid Unicode text (an unpaired surrogate cannot be stored)" });
  const firstExtension = text(input?.firstExtension);
  if (firstExtension !== null && !EXTENSION_PATTERN.test(firstExtension)) issues.push({ path: "firstExtension", message: `must be a dial string of digits (optional leading +, * and #), got ${JSON.stringify(firstExtension)}` });
  const voicemailNumber = text(input?.voicemailNumber);
  if (voicemailNumber !== null && !EXTENSION_PATTERN.test(voicemailNumber)) issues.push({ path: "voicemailNumber", message: `must be a dial string of digits, got ${JSON.stringify(voicemailNumber)}` });
  let sipUri = text(input?.sipUri);
  if (sipUri !== null) {
    if (!/^[a-z]+:/i.test(sipUri)) sipUri = `sip:${sipUri}`;
    if (sipUri.length > 300 || !sipUriKey(sipUri)) {
      issues.push({ path: "sipUri", message: `must be a SIP URI such as sip:alice@example.com, got ${JSON.stringify(input.sipUri)}` });
    }
  }
  if (issues.length) throw new ConfigError(where, issues);
  return { username, displayName, firstExtension, sipUri, voicemailNumber, origin: input.origin ?? "manual" };
}

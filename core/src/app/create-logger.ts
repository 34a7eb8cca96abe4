import pino from "pino";
import type { Logger } from "../contracts/logger.js";

/** Keys whose values never reach a log line, wherever they appear (two levels deep). */
export const REDACTED_KEYS = ["password", "secret", "secrets", "token", "authorization", "cookie", "authId", "passwordHash"];

/** The hub's root logger: JSON lines on stdout (or a given stream), secrets redacted. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    { level, base: { name: "presence-hub" }, redact: { paths, censor: "[redacted]" } },
    destination ?? pino.destination({ dest: 1, sync: false }),
  ) as unknown as Logger;
}

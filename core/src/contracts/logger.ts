/**
 * The logging surface plugins get (a pino logger satisfies it). Log objects first, message second:
 * `logger.warn({ user, status }, "subscription refused")`. Never log secrets: the hub's logger
 * redacts common secret keys, but do not rely on it.
 */
export interface Logger {
  trace(obj: object, msg?: string): void;
  trace(msg: string): void;
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

import pino from "pino";
import pretty from "pino-pretty";
import type { Logger } from "../contracts/logger.js";

/** Keys whose values never reach a log line, wherever they appear (two levels deep). */
export const REDACTED_KEYS = ["password", "secret", "secrets", "token", "authorization", "cookie", "authId", "passwordHash", "passphrase"];

/** Binding keys that name a component, checked in this order (a connector is more specific than its plugin). */
const COMPONENT_KEYS = ["component", "plugin", "connector"] as const;

/** How the hub logs (the `log:` section of the config). */
export interface LogOptions {
  readonly level: string;
  /** `json` lines, `pretty` human-readable lines, or `auto`: pretty when writing to a terminal. */
  readonly format?: "auto" | "json" | "pretty";
  /** Levels by component, plugin id or connector id (`{ "sip-simple": "debug" }`). */
  readonly components?: Readonly<Record<string, string>>;
}

/**
 * The hub's root logger: JSON lines on stdout (or a given stream), secrets redacted, levels per
 * component. In a terminal (`format: auto` on a TTY) lines are pretty-printed instead, so a
 * person running `presence-hub start` by hand can read them; services and containers get JSON.
 * Redaction happens before formatting, so both formats hide the same values.
 */
export function createLogger(options: LogOptions | string, destination?: NodeJS.WritableStream): Logger {
  const o: LogOptions = typeof options === "string" ? { level: options } : options;
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  const out = destination ?? process.stdout;
  const usePretty = o.format === "pretty" || ((o.format ?? "auto") === "auto" && (out as NodeJS.WriteStream).isTTY === true);
  const stream = usePretty
    ? pretty({ colorize: (out as NodeJS.WriteStream).isTTY === true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,name", destination: out, sync: true })
    : (destination ?? pino.destination({ dest: 1, sync: false }));
  const root = pino({ level: o.level, base: { name: "presence-hub" }, redact: { paths, censor: "[redacted]" } }, stream);
  const levels = new Map(Object.entries(o.components ?? {}));
  // Without overrides the pino logger is used as is: no wrapper on the hot path.
  return levels.size === 0 ? (root as unknown as Logger) : new ComponentLevelLogger(root, levels);
}

type LogMethod = (...args: unknown[]) => void;

/**
 * A pino logger whose children take the level configured for the component they are made for:
 * `child({ plugin: "sip-simple" })` logs at `debug` when `components: { sip-simple: debug }`,
 * whatever the root level, and so do that child's own children (unless they name another
 * configured component).
 */
class ComponentLevelLogger implements Logger {
  constructor(
    private readonly inner: pino.Logger,
    private readonly levels: ReadonlyMap<string, string>,
  ) {}

  trace(...args: unknown[]): void {
    (this.inner.trace as LogMethod).apply(this.inner, args);
  }
  debug(...args: unknown[]): void {
    (this.inner.debug as LogMethod).apply(this.inner, args);
  }
  info(...args: unknown[]): void {
    (this.inner.info as LogMethod).apply(this.inner, args);
  }
  warn(...args: unknown[]): void {
    (this.inner.warn as LogMethod).apply(this.inner, args);
  }
  error(...args: unknown[]): void {
    (this.inner.error as LogMethod).apply(this.inner, args);
  }
  fatal(...args: unknown[]): void {
    (this.inner.fatal as LogMethod).apply(this.inner, args);
  }

  child(bindings: Record<string, unknown>): Logger {
    let level: string | undefined;
    for (const key of COMPONENT_KEYS) {
      const name = bindings[key];
      if (typeof name === "string" && this.levels.has(name)) level = this.levels.get(name);
    }
    return new ComponentLevelLogger(level ? this.inner.child(bindings, { level }) : this.inner.child(bindings), this.levels);
  }
}

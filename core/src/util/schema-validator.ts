import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Static, TSchema } from "@sinclair/typebox";
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";

/**
 * Validates values against TypeBox (JSON Schema) schemas and reports problems by dotted path
 * (`connectors[0].server`), in words an admin understands. Defaults declared in the schema are
 * filled in. One validator per schema, compiled once.
 *
 * Schema annotations understood here: `description` (used to explain pattern failures) and
 * `x-hint` (a short "expected" phrase, e.g. "host[:port]").
 */
export class SchemaValidator<S extends TSchema> {
  private static readonly ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
  /** For query strings: "10" may stand for 10 and "true" for true. */
  private static readonly coercingAjv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true, coerceTypes: true });
  private readonly check: ValidateFunction;

  constructor(
    readonly schema: S,
    private readonly where: string,
    options: { coerceTypes?: boolean } = {},
  ) {
    this.check = (options.coerceTypes ? SchemaValidator.coercingAjv : SchemaValidator.ajv).compile(schema);
  }

  /** Returns the value (with defaults filled in) or throws {@link ConfigError} listing every issue. */
  validate(value: unknown, prefix = ""): Static<S> {
    const copy = value === undefined ? {} : structuredClone(value);
    if (this.check(copy)) return copy as Static<S>;
    throw new ConfigError(this.where, this.issues(prefix));
  }

  /** Issues of the last failed validation. */
  private issues(prefix: string): ConfigIssue[] {
    const seen = new Set<string>();
    const out: ConfigIssue[] = [];
    for (const e of this.check.errors ?? []) {
      const issue = describe(e, prefix);
      const key = `${issue.path}|${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(issue);
      }
    }
    // A failing anyOf/oneOf repeats its branches' errors; keep the most specific ones.
    return out.filter((i) => !(i.message.startsWith("must match") && out.some((o) => o !== i && o.path.startsWith(i.path) && o.path !== i.path)));
  }
}

/** `/connectors/0/server` → `connectors[0].server` */
export function dottedPath(pointer: string, prefix = ""): string {
  let out = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function describe(e: ErrorObject, prefix: string): ConfigIssue {
  const path = dottedPath(e.instancePath, prefix);
  const join = (p: string, key: string) => (p ? `${p}.${key}` : key);
  const parent = (e.parentSchema ?? {}) as { description?: string; "x-hint"?: string };
  switch (e.keyword) {
    case "required":
      return { path: join(path, String(e.params.missingProperty)), message: "is required" };
    case "additionalProperties": {
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return {
        path: join(path, String(e.params.additionalProperty)),
        message: `unknown key${allowed.length ? ` (allowed: ${allowed.join(", ")})` : ""}`,
      };
    }
    case "enum":
      return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { path, message: `must be ${JSON.stringify(e.params.allowedValue)}` };
    case "type":
      return { path, message: `must be ${e.params.type === "integer" ? "a whole number" : `a ${e.params.type}`}, got ${typeName(e.data)}` };
    case "pattern":
    case "format":
      return { path, message: `must be ${parent["x-hint"] ?? parent.description ?? `valid (${e.message})`}, got ${JSON.stringify(e.data)}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
    case "minLength":
    case "maxLength":
    case "minItems":
    case "maxItems":
      return { path, message: String(e.message) };
    default:
      return { path, message: String(e.message) };
  }
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * A hapi `validate.*` function from a TypeBox schema: defaults filled in, failures as a
 * {@link ConfigError} that the HTTP host turns into a 400 naming every bad field.
 */
export function routeValidator<S extends TSchema>(schema: S, where: string, options: { coerceTypes?: boolean } = {}): (value: unknown) => Promise<Static<S>> {
  const validator = new SchemaValidator(schema, where, options);
  return async (value: unknown) => validator.validate(value ?? {});
}

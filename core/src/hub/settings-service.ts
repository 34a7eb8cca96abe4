import { Type, type TSchema } from "@sinclair/typebox";
import type { SettingsRepository } from "../contracts/store.js";
import { ConfigError } from "../errors/config-error.js";
import { SchemaValidator } from "../util/schema-validator.js";
import type { EventBus } from "./event-bus.js";

/** Default order of the source-ranking rules (DESIGN §2). */
export const DEFAULT_RANKING_RULES = ["cti-over-sip", "preferred-server", "fallback-order"];

interface Definition {
  readonly validator: SchemaValidator<TSchema>;
  readonly defaultValue: unknown;
  readonly description: string;
}

/**
 * Live system settings (editable in the UI, stored in the store). Reads are synchronous from
 * memory, so rules can consult settings on the hot path; a change is validated, persisted, then
 * published as a `setting` event so dependants re-evaluate at once, without a restart.
 */
export class SettingsService {
  private readonly definitions = new Map<string, Definition>();
  private readonly values = new Map<string, unknown>();

  constructor(
    private readonly repository: SettingsRepository,
    private readonly bus: EventBus,
  ) {
    this.define("presence.preferredServer", Type.Union([Type.String(), Type.Null()]), null, "Connector id whose answer wins when presence servers disagree.");
    this.define("presence.monitorAll", Type.Boolean(), false, "Watch every configured user, whether or not anyone looks.");
    this.define("presence.rankingRules", Type.Array(Type.String()), DEFAULT_RANKING_RULES, "Order in which source-ranking rules decide.");
    this.define(
      "telephony.voicemailPilot",
      Type.Union([Type.String({ pattern: "^\\+?[0-9*#]{1,32}$", "x-hint": "a dial string of digits" }), Type.Null()]),
      null,
      "The system voicemail pilot number; forwards to it show as forwarded-voicemail.",
    );
  }

  /** Declares a setting (plugins may add their own). Must happen before `load()`. */
  define(key: string, schema: TSchema, defaultValue: unknown, description: string): void {
    if (this.definitions.has(key)) throw new Error(`setting ${key} is defined twice`);
    this.definitions.set(key, { validator: new SchemaValidator(schema, "invalid setting"), defaultValue, description });
  }

  /** Reads stored values; unknown or invalid stored values fall back to defaults. */
  async load(): Promise<void> {
    const stored = await this.repository.getAll();
    for (const [key, def] of this.definitions) this.values.set(key, storedOrDefault(def, stored, key));
  }

  get<T = unknown>(key: string): T {
    if (!this.definitions.has(key)) throw new Error(`unknown setting ${key}`);
    return (this.values.has(key) ? this.values.get(key) : this.definitions.get(key)!.defaultValue) as T;
  }

  /** Validates, stores and publishes. Throws {@link ConfigError} naming the key on a bad value. */
  async set(key: string, value: unknown): Promise<void> {
    const def = this.definitions.get(key);
    if (!def) throw new ConfigError("invalid setting", [{ path: key, message: `unknown setting (known: ${[...this.definitions.keys()].join(", ")})` }]);
    const valid = def.validator.validate(value, key);
    await this.repository.set(key, valid);
    const before = this.values.get(key);
    this.values.set(key, valid);
    if (JSON.stringify(before) !== JSON.stringify(valid)) this.bus.publish({ type: "setting", key, value: valid });
  }

  /** Another cluster node changed a setting in the store: take the stored value and tell local listeners. */
  async reload(key: string): Promise<void> {
    const def = this.definitions.get(key);
    if (!def) return;
    const value = storedOrDefault(def, await this.repository.getAll(), key);
    this.values.set(key, value);
    this.bus.publish({ type: "setting", key, value }, { remote: true });
  }

  /** Every setting with its value and description, for the admin UI and the API. */
  describe(): { key: string; value: unknown; description: string }[] {
    return [...this.definitions].map(([key, d]) => ({ key, value: this.get(key), description: d.description }));
  }
}

/** A stored value if it is still valid for its definition (schemas evolve), else the default. */
function storedOrDefault(def: Definition, stored: Record<string, unknown>, key: string): unknown {
  if (!(key in stored)) return def.defaultValue;
  try {
    return def.validator.validate(stored[key], key);
  } catch {
    return def.defaultValue;
  }
}

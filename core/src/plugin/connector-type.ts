import type { Static, TObject } from "@sinclair/typebox";
import type { Constructor } from "../util/constructor.js";
import type { Connector, SourceClass } from "../contracts/connector.js";
import type { PresenceField } from "../model/presence-status.js";

/**
 * A kind of connector a plugin offers (`type: sip-simple` in the config). The hub builds one
 * instance per configured connector of this type, each in its own child DI container where
 * {@link Tokens.ConnectorContext} resolves to that instance's context.
 */
export interface ConnectorType<S extends TObject = TObject> {
  /** The `type` value in configuration, kebab-case. */
  readonly type: string;
  /** One line for the admin UI. */
  readonly description: string;
  /** Which presence fields instances serve: fixed for the type, or chosen from an instance's settings. */
  readonly fields: readonly PresenceField[] | ((settings: Static<S>) => readonly PresenceField[]);
  /**
   * How the core's `cti-over-sip` rule ranks instances: fixed for the type, or chosen from an
   * instance's settings (e.g. a push source that carries CTI data).
   */
  readonly sourceClass: SourceClass | ((settings: Static<S>) => SourceClass);
  /**
   * Settings schema (TypeBox). Keep operational fields optional: an enabled connector with
   * incomplete settings is a state (`server-not-configured`), not a config error.
   */
  readonly settingsSchema: S;
  /** Settings that are secrets: encrypted at rest, never sent back to a browser, redacted in logs. */
  readonly secretSettings?: readonly string[];
  /** Why the settings are not enough to run (shown with `server-not-configured`), or null. */
  incomplete?(settings: Static<S>): string | null;
  /**
   * Cluster mode: whether each watch target can be owned by a different node (`target`, the
   * default) or the whole connector must live on one node (`connector`), e.g. because one
   * subscription (a resource list) serves many targets.
   */
  ownership?(settings: Static<S>): "target" | "connector";
  /** The implementation; its constructor takes `@inject(Tokens.ConnectorContext)` and anything else it registered. */
  readonly implementation: Constructor<Connector>;
}

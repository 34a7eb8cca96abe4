import type { DependencyContainer } from "tsyringe";
import type { ConnectorType } from "../plugin/connector-type.js";
import { SchemaValidator } from "../util/schema-validator.js";
import type { TObject } from "@sinclair/typebox";

/** A connector type as registered by a plugin, with the plugin's container and a compiled validator. */
export class ConnectorRegistration {
  readonly validator: SchemaValidator<TObject>;

  constructor(
    readonly definition: ConnectorType,
    readonly pluginId: string,
    readonly container: DependencyContainer,
  ) {
    this.validator = new SchemaValidator(definition.settingsSchema, `invalid settings for a ${definition.type} connector`);
  }

  get secretSettings(): readonly string[] {
    return this.definition.secretSettings ?? [];
  }
}

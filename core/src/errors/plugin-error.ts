import { Exception } from "./exception.js";

/** A plugin could not be found, loaded or registered. Names the plugin and says what to check. */
export class PluginError extends Exception {
  constructor(
    readonly plugin: string,
    message: string,
  ) {
    super(`plugin ${plugin}: ${message}`);
  }
}

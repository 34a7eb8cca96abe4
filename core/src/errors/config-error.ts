import { Exception } from "./exception.js";

/** One problem in a configuration, at a dotted path such as `connectors[0].server`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Invalid configuration: a file, a plugin's section, or connector settings. Lists every issue. */
export class ConfigError extends Exception {
  constructor(
    readonly where: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${where}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`);
  }
}

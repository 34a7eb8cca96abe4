import { readFile } from "node:fs/promises";
import { DirectoryError } from "./directory-error.js";

/** Where the bind password comes from; never the config file itself. */
export interface BindPasswordSource {
  /** Name of an environment variable holding it (e.g. set by systemd's `EnvironmentFile=`). */
  readonly bindPasswordEnv?: string;
  /** Absolute path of a file holding it (e.g. systemd credentials, Docker/Kubernetes secrets). */
  readonly bindPasswordFile?: string;
}

/**
 * Reads the bind password at the start of each run, so a rotated password file applies at the
 * next run without a restart. The hub keeps no copy: not in the config, not in the database,
 * not in logs or API answers. A trailing newline (as `echo` writes) is not part of it.
 */
export async function readBindPassword(source: BindPasswordSource): Promise<string> {
  if (source.bindPasswordEnv !== undefined) {
    const value = process.env[source.bindPasswordEnv];
    if (!value) throw new DirectoryError("password", `the environment variable ${source.bindPasswordEnv} (pluginOptions.directory-ldap.bindPasswordEnv) is not set or empty; set it to the bind password in the hub's environment`);
    return value;
  }
  if (source.bindPasswordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(source.bindPasswordFile, "utf8");
    } catch (e) {
      throw new DirectoryError("password", `cannot read the bind password file ${source.bindPasswordFile} (pluginOptions.directory-ldap.bindPasswordFile): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const value = text.replace(/\r?\n$/, "");
    if (!value) throw new DirectoryError("password", `the bind password file ${source.bindPasswordFile} is empty`);
    return value;
  }
  throw new DirectoryError("password", "no bind password source: set pluginOptions.directory-ldap.bindPasswordEnv or bindPasswordFile");
}

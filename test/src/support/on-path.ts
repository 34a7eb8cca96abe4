import { existsSync } from "node:fs";
import path from "node:path";

/** Whether a program is installed: on PATH, or in the sbin folders Debian puts daemons in (not on a user's PATH). */
export function onPath(bin: string): boolean {
  return (process.env.PATH ?? "/usr/bin:/bin:/usr/sbin:/sbin")
    .split(path.delimiter)
    .concat(["/usr/sbin", "/sbin"])
    .some((d) => d !== "" && existsSync(path.join(d, bin)));
}

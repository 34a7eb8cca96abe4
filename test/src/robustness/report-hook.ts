/**
 * Root hook plugin (loaded with `--require`, see .mocharc.json and the soak config): prints the
 * robustness report after the last test, so it appears just before mocha's pass/fail summary.
 */
import { formatReport, hasFigures } from "./report.js";

/** Mocha's root hooks: `afterAll` runs once after every file's tests. */
export const mochaHooks = {
  afterAll(): void {
    if (hasFigures()) console.log(formatReport());
  },
};

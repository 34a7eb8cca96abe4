/** Test helpers for the core and for plugin authors: `@presence-hub/core/testing`. */
export { ManualClock } from "./manual-clock.js";
export { waitFor } from "./wait-for.js";
export { startTestHub, dropSchema, TEST_PG_URL, type TestHub, type TestHubOptions } from "./start-test-hub.js";

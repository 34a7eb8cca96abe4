/**
 * `@presence-hub/plugin-tapi/simulator`: a CTI server speaking CSTA Phase III XML over TCP,
 * scriptable, for tests and `presence-hub demo`. Independent of the client code by design.
 */
export { CtiSimulator, type CtiSimulatorOptions } from "./cti-simulator.js";
export { SimCall, SimDevice, type SimForwarding } from "./sim-device.js";
export type { SimFraming } from "./sim-framing.js";
export type { SimRequest } from "./sim-session.js";

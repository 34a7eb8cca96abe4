/** The demo kit: `presence-hub demo` and the simulators it runs. */
export { runDemo, type DemoOptions, type RunningDemo } from "./run-demo.js";
export { SimPresenceServer, type SimLine, type SimRich } from "./sim-presence-server.js";
export { DEMO_PEOPLE, type DemoPerson } from "./demo-people.js";

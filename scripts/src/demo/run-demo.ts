import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { loadConfig, PresenceHubApp } from "@presence-hub/core";
import { CtiSimulator, type SimCall } from "@presence-hub/plugin-tapi/simulator";
import { DEMO_PEOPLE, type DemoPerson } from "./demo-people.js";
import { SimPresenceServer } from "./sim-presence-server.js";

export interface DemoOptions {
  /** HTTP port of the hub (default 8080; 0 picks a free one). */
  readonly httpPort?: number;
  /** Where the demo keeps its data; default a fresh temporary folder. */
  readonly dataDir?: string;
  /** Milliseconds between simulated changes (default 700). */
  readonly tickMs?: number;
  /** Progress lines (default: stdout). */
  readonly print?: (line: string) => void;
  /** Random source (tests make it deterministic). */
  readonly random?: () => number;
}

export interface RunningDemo {
  readonly url: string;
  readonly operator: { readonly username: string; readonly password: string };
  readonly admin: { readonly username: string; readonly password: string };
  readonly app: PresenceHubApp;
  readonly pbx: SimPresenceServer;
  readonly cti: CtiSimulator;
  /** The people and which source drives their telephony. */
  readonly people: readonly DemoPerson[];
  stop(): Promise<void>;
}

const RICH_MOODS = [
  { basic: "open" as const },
  { basic: "open" as const, activity: "away" as const, note: "Lunch break" },
  { basic: "open" as const, activity: "busy" as const, note: "In a meeting until 3" },
  { basic: "open" as const, activity: "busy" as const, note: "Do not disturb" },
  { basic: "open" as const, note: "Working from home" },
  { basic: "closed" as const },
];

/**
 * `presence-hub demo`: the hub on SQLite with a simulated PBX and presence server speaking real
 * SIP over loopback to the hub's sip-simple connector, and a simulated CTI server speaking CSTA
 * XML over TCP to the tapi connector, a few dozen people whose phones ring, talk, go on DND and
 * get forwarded, and whose rich presence changes. Prints the URL and logins when ready.
 */
export async function runDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const print = options.print ?? ((line: string) => process.stdout.write(line + "\n"));
  const random = options.random ?? Math.random;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "presence-hub-demo-"));
  print(`demo: data in ${dataDir}`);

  const sipPort = await freePort("udp");
  const ctiPort = await freePort("tcp");
  const pbx = new SimPresenceServer(sipPort);
  await pbx.start();
  const cti = new CtiSimulator({ port: ctiPort, host: "127.0.0.1", devices: DEMO_PEOPLE.filter((p) => p.cti).map((p) => p.extension) });
  await cti.start();
  print(`demo: simulated PBX (SIP, UDP 127.0.0.1:${sipPort}) and CTI server (CSTA XML, TCP 127.0.0.1:${ctiPort}) up`);

  for (const p of DEMO_PEOPLE) pbx.setRich(p.username, RICH_MOODS[0]!);
  const config = {
    http: { port: options.httpPort ?? 8080, host: "127.0.0.1" },
    store: { client: "sqlite3", filename: "presence-hub.sqlite" },
    dataDir: ".",
    secrets: { keyFile: "secret.key" },
    log: { level: "warn" },
    presence: { monitorAll: true, preferredServer: "pbx" },
    telephony: { voicemailPilot: "8000" },
    connectors: [
      { id: "pbx", type: "sip-simple", server: `127.0.0.1:${sipPort}`, protocol: "udp", uri: "presence@127.0.0.1", authId: "presence", password: "dummy", domain: "127.0.0.1", t1Ms: 200, subscribeRate: 200, subscribeBurst: 100 },
      { id: "cti", type: "tapi", server: `127.0.0.1:${ctiPort}` },
    ],
    users: DEMO_PEOPLE.map((p) => ({ username: p.username, displayName: p.displayName, firstExtension: p.extension, sipUri: `sip:${p.username}@127.0.0.1`, voicemailNumber: p.voicemail })),
  };
  const file = path.join(dataDir, "presence-hub.yaml");
  writeFileSync(file, stringify(config));
  const app = new PresenceHubApp(loadConfig(file, {}));
  await app.start();
  const operator = { username: "demo", password: "demo-password" };
  const admin = { username: "admin", password: "admin-password" };
  await app.accounts.addAccount(operator.username, operator.password, "operator");
  await app.accounts.addAccount(admin.username, admin.password, "admin");
  const url = `http://127.0.0.1:${app.server.info.port}`;

  const calls = new Map<string, SimCall>();
  const tick = setInterval(() => simulate(), options.tickMs ?? 700);
  tick.unref();
  function simulate(): void {
    const person = DEMO_PEOPLE[Math.floor(random() * DEMO_PEOPLE.length)]!;
    const roll = random();
    if (roll < 0.2) {
      pbx.setRich(person.username, RICH_MOODS[Math.floor(random() * RICH_MOODS.length)]!);
      return;
    }
    if (person.cti) {
      const device = cti.device(person.extension);
      const call = calls.get(person.extension);
      if (roll < 0.3) device.setDnd(random() < 0.5);
      else if (roll < 0.38) device.forwardTo(random() < 0.5 ? (random() < 0.5 ? "8000" : person.voicemail) : null);
      else if (!call) calls.set(person.extension, device.incomingCall(`+49 30 ${1000 + Math.floor(random() * 9000)}`));
      else if (call.state === "alerting") call.answer();
      else {
        call.hangup();
        calls.delete(person.extension);
      }
      return;
    }
    const line = pbx.line(person.extension);
    if (line === "idle") pbx.setLine(person.extension, "ringing", `sip:+4930${Math.floor(random() * 1e6)}@pstn`, random() < 0.8 ? "recipient" : "initiator");
    else if (line === "ringing") pbx.setLine(person.extension, random() < 0.8 ? "talking" : "idle", pbx.remote(person.extension));
    else pbx.setLine(person.extension, "idle");
  }

  print(`presence-hub demo ready: open ${url}/  (operator: ${operator.username} / ${operator.password}, admin: ${admin.username} / ${admin.password}); Ctrl-C stops`);
  return {
    url,
    operator,
    admin,
    app,
    pbx,
    cti,
    people: DEMO_PEOPLE,
    async stop() {
      clearInterval(tick);
      await app.stop();
      await cti.stop();
      await pbx.stop();
    },
  };
}

/** A free loopback port for UDP or TCP (bound, read, released). */
async function freePort(kind: "udp" | "tcp"): Promise<number> {
  if (kind === "tcp") {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }
  const { createSocket } = await import("node:dgram");
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

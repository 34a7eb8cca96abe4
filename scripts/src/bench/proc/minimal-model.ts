/**
 * The memory baseline: what the same users, subscriptions and states cost as plain JavaScript
 * objects and nothing else (one dialog per field with Call-ID, tags, target, route set and
 * CSeqs; one shown state per field; the user's keys). Measured like the hub: RSS after full
 * garbage collection, in a fresh process, minus the same process with no users.
 */
import { emit, serveIpc } from "../lib/proc.js";
import { extension, sipUri, username } from "../lib/population.js";
import { sleep } from "../lib/stats.js";

interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  target: string;
  routeSet: string[];
  event: string;
  cseq: number;
  remoteCseq: number;
  expiresAt: number;
}

interface UserModel {
  username: string;
  displayName: string;
  firstExtension: string;
  sipUri: string;
  dialogs: [Dialog, Dialog];
  telephony: { status: string; since: number; source: string; remoteParty: string | null };
  rich: { status: string; since: number; source: string; message: string | null };
}

const users = new Map<string, UserModel>();

function hex(n: number, len: number): string {
  return n.toString(16).padStart(len, "0");
}

serveIpc({
  async build(args: { users: number }) {
    const now = Date.now();
    for (let i = 0; i < args.users; i++) {
      const name = username(i);
      const dialog = (event: string, k: number): Dialog => ({
        callId: `${hex(i * 2 + k, 12)}${hex(now, 12)}@192.0.2.7`,
        localTag: hex(i * 7 + k, 10),
        remoteTag: hex(i * 13 + k, 10),
        target: `sip:127.0.0.1:5060;transport=udp`,
        routeSet: [],
        event,
        cseq: 1,
        remoteCseq: 2,
        expiresAt: now + 600_000,
      });
      users.set(name, {
        username: name,
        displayName: `Bench User ${i}`,
        firstExtension: extension(i),
        sipUri: sipUri(i),
        dialogs: [dialog("dialog", 0), dialog("presence", 1)],
        telephony: { status: "available", since: now, source: "pbx", remoteParty: null },
        rich: { status: "available", since: now, source: "pbx", message: null },
      });
    }
    return users.size;
  },
  async gcMemory() {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("start with --expose-gc");
    for (let i = 0; i < 4; i++) {
      gc();
      await sleep(50);
    }
    return process.memoryUsage();
  },
  stop() {
    setTimeout(() => process.exit(0), 10);
    return null;
  },
});
emit("ready");

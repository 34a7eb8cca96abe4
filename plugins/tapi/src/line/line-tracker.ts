import type { LineState, TelephonyDetail, TelephonyFacts } from "@presence-hub/core";
import type { ConnectionState, DeviceEvent, ForwardSetting, SnapshotPart } from "../link/device-event.js";

/** A call at the device, as the tracker keeps it. */
interface Call {
  state: Exclude<ConnectionState, "null">;
  direction?: "inbound" | "outbound";
  remoteParty?: string;
  /** When the call entered its current state (orders calls of equal rank). */
  since: number;
}

/** Forwarding types that divert every call, whatever the line state. */
const UNCONDITIONAL = ["forwardImmediate", "forwardImmExt", "forwardImmInt"];

/** How much a call says about the user: a talking user is busy even while another call rings. */
const RANK: Readonly<Record<Call["state"], number>> = { connected: 6, hold: 5, initiated: 4, queued: 3, fail: 2, alerting: 1 };

/** Readable names of conditional forwarding types, for the note. */
const CONDITION: Readonly<Record<string, string>> = {
  forwardBusy: "on busy",
  forwardBusyInt: "on busy (internal)",
  forwardBusyExt: "on busy (external)",
  forwardNoAns: "on no answer",
  forwardNoAnsInt: "on no answer (internal)",
  forwardNoAnsExt: "on no answer (external)",
  forwardDND: "on do-not-disturb",
};

/**
 * Everything known about one monitored device (its calls, do-not-disturb, forwarding, service
 * state) and the telephony facts that follow. Protocol-agnostic: fed by any CTI link.
 *
 * Line state: out of service → `offline`; no call → `available`; only calls ringing here →
 * `ringing`; any other call (talking, held, dialling, queued, failed) → `busy`. The details
 * describe the most relevant call (talking > held > dialling > queued > failed > ringing, then
 * the newest). DND and the unconditional forward target are reported as facts: the aggregator
 * applies "DND beats forwarding beats the line". `detail.since` is when the line state, DND or
 * the forward target last changed: what the hub shows as the status's start.
 */
export class LineTracker {
  private readonly calls = new Map<string, Call>();
  private readonly forwards = new Map<string, ForwardSetting>();
  private dnd: boolean | undefined;
  private inService = true;
  private line: LineState = "available";
  /** What the user is shown from (line, DND, unconditional forward), and since when. */
  private shownKey = "";
  private shownSince: number;

  constructor(private readonly now: () => number) {
    this.shownSince = now();
    this.shownKey = this.key();
  }

  /** Applies one event from the link. */
  applyEvent(e: DeviceEvent): void {
    switch (e.kind) {
      case "call": {
        if (e.state === "null") {
          this.calls.delete(e.callId);
          break;
        }
        const previous = this.calls.get(e.callId);
        this.calls.set(e.callId, {
          state: e.state,
          direction: e.direction ?? previous?.direction,
          remoteParty: e.remoteParty ?? previous?.remoteParty,
          since: previous?.state === e.state ? previous.since : this.now(),
        });
        break;
      }
      case "dnd":
        this.dnd = e.on;
        break;
      case "forwarding":
        this.forwards.set(e.setting.type, e.setting);
        break;
      case "service":
        this.inService = e.inService;
        break;
    }
    this.updateLine();
  }

  /** Applies one snapshot part: it replaces what was known about its subject. */
  applySnapshot(part: SnapshotPart): void {
    switch (part.kind) {
      case "calls": {
        const old = new Map(this.calls);
        this.calls.clear();
        for (const c of part.calls) {
          if (c.state === "null") continue;
          const previous = old.get(c.callId);
          // Keep what events told about a call the snapshot still shows (snapshots carry no parties).
          this.calls.set(c.callId, {
            state: c.state,
            direction: previous?.direction,
            remoteParty: previous?.remoteParty,
            since: previous?.state === c.state ? previous.since : this.now(),
          });
        }
        break;
      }
      case "dnd":
        this.dnd = part.on;
        break;
      case "forwarding":
        this.forwards.clear();
        for (const f of part.settings) this.forwards.set(f.type, f);
        break;
    }
    this.updateLine();
  }

  /** Forgets everything (the link is gone; a reconnect reads a fresh snapshot). */
  reset(): void {
    this.calls.clear();
    this.forwards.clear();
    this.dnd = undefined;
    this.inService = true;
    this.updateLine();
  }

  /** The telephony facts to report. */
  facts(): TelephonyFacts {
    const relevant = this.relevantCall();
    const notes: string[] = [];
    if (relevant?.state === "hold") notes.push("call on hold");
    if (relevant?.state === "fail") notes.push("call failed");
    for (const f of this.forwards.values()) {
      const when = CONDITION[f.type];
      if (f.active && when) notes.push(`forwards ${when}${f.destination ? ` to ${f.destination}` : ""}`);
    }
    const detail: TelephonyDetail = {
      calls: this.calls.size,
      since: this.shownSince,
      ...(relevant?.direction ? { direction: relevant.direction } : {}),
      ...(relevant?.remoteParty ? { remoteParty: relevant.remoteParty } : {}),
      ...(notes.length ? { note: notes.join("; ") } : {}),
    };
    const forwardTo = this.forwardTarget();
    return {
      kind: "state",
      line: this.line,
      ...(this.dnd !== undefined ? { dnd: this.dnd } : {}),
      ...(forwardTo ? { forwardTo } : {}),
      detail,
    };
  }

  private forwardTarget(): string | undefined {
    for (const type of UNCONDITIONAL) {
      const f = this.forwards.get(type);
      if (f?.active && f.destination) return f.destination;
    }
    return undefined;
  }

  private relevantCall(): Call | undefined {
    let best: Call | undefined;
    for (const c of this.calls.values()) {
      if (!best || RANK[c.state] > RANK[best.state] || (RANK[c.state] === RANK[best.state] && c.since >= best.since)) best = c;
    }
    return best;
  }

  private updateLine(): void {
    let line: LineState;
    if (!this.inService) line = "offline";
    else if (this.calls.size === 0) line = "available";
    else line = [...this.calls.values()].every((c) => c.state === "alerting") ? "ringing" : "busy";
    this.line = line;
    const key = this.key();
    if (key !== this.shownKey) {
      this.shownKey = key;
      this.shownSince = this.now();
    }
  }

  private key(): string {
    return `${this.line}|${this.dnd === true}|${this.forwardTarget() ?? ""}`;
  }
}

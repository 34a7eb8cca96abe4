import { connection, device as deviceElement, type SimLocalState } from "./sim-messages.js";
import { leaf } from "./sim-xml.js";

/** Sends an event about a device to every monitor of it: event name and body (without monitorCrossRefID). */
export type SimEmit = (deviceId: string, name: string, body: string) => void;

/** One forwarding type of a simulated device. */
export interface SimForwarding {
  readonly type: string;
  readonly active: boolean;
  readonly destination?: string;
}

/**
 * A call between a simulated device and another party. Each method changes the call as a real
 * phone would and emits the ECMA-323 event a switch sends for it (always with
 * `localConnectionInfo`, the monitored device's state). Methods return the call for chaining.
 */
export class SimCall {
  /** The device's state in the call (`null` once it left). */
  state: SimLocalState;

  constructor(
    readonly id: string,
    readonly owner: SimDevice,
    /** The other party's number. */
    readonly remote: string,
    readonly direction: "inbound" | "outbound",
    state: SimLocalState,
  ) {
    this.state = state;
  }

  /** Inbound: the device answers. Outbound: the called party answers. */
  answer(): this {
    const dev = this.owner.id;
    const answering = this.direction === "inbound" ? dev : this.remote;
    const calling = this.direction === "inbound" ? this.remote : dev;
    this.set("connected", "EstablishedEvent", connection("establishedConnection", this.id, answering) + deviceElement("answeringDevice", answering) + deviceElement("callingDevice", calling) + deviceElement("calledDevice", answering), "newCall");
    return this;
  }

  /** The device puts the call on hold. */
  hold(): this {
    this.set("hold", "HeldEvent", connection("heldConnection", this.id, this.owner.id) + deviceElement("holdingDevice", this.owner.id), "normal");
    return this;
  }

  /** The device takes the call back. */
  retrieve(): this {
    this.set("connected", "RetrievedEvent", connection("retrievedConnection", this.id, this.owner.id) + deviceElement("retrievingDevice", this.owner.id), "normal");
    return this;
  }

  /** The device hangs up. */
  hangup(): this {
    this.set("null", "ConnectionClearedEvent", connection("droppedConnection", this.id, this.owner.id) + deviceElement("releasingDevice", this.owner.id), "normalClearing");
    return this;
  }

  /** The other party hangs up; the switch clears the device's connection too. */
  remoteHangup(): this {
    this.set("null", "ConnectionClearedEvent", connection("droppedConnection", this.id, this.remote) + deviceElement("releasingDevice", this.remote), "normalClearing");
    return this;
  }

  /** The ringing call is diverted away from the device (e.g. to voicemail). */
  divert(to: string): this {
    this.set("null", "DivertedEvent", connection("connection", this.id, this.owner.id) + deviceElement("divertingDevice", this.owner.id) + deviceElement("newDestination", to) + deviceElement("callingDevice", this.remote) + deviceElement("calledDevice", this.owner.id), "redirected");
    return this;
  }

  private set(state: SimLocalState, event: string, body: string, cause: string): void {
    this.state = state;
    if (state === "null") this.owner.forget(this);
    this.owner.emit(event, body + leaf("localConnectionInfo", state) + leaf("cause", cause));
  }
}

/**
 * A simulated phone on the switch: its calls, do-not-disturb, forwarding and service state,
 * changed by scripts (tests, the demo) with the events a switch would send.
 */
export class SimDevice {
  dnd = false;
  inService = true;
  private readonly forwarding = new Map<string, SimForwarding>();
  private readonly active = new Map<string, SimCall>();

  constructor(
    readonly id: string,
    private readonly send: SimEmit,
    private readonly newCallId: () => string,
  ) {}

  /** Someone calls the device: it rings (DeliveredEvent). */
  incomingCall(from: string): SimCall {
    const call = new SimCall(this.newCallId(), this, from, "inbound", "alerting");
    this.active.set(call.id, call);
    this.emit("DeliveredEvent", connection("connection", call.id, this.id) + deviceElement("alertingDevice", this.id) + deviceElement("callingDevice", from) + deviceElement("calledDevice", this.id) + leaf("localConnectionInfo", "alerting") + leaf("cause", "newCall"));
    return call;
  }

  /** The device calls someone: off-hook, dialled, the other party rings. */
  outgoingCall(to: string): SimCall {
    const call = new SimCall(this.newCallId(), this, to, "outbound", "initiated");
    this.active.set(call.id, call);
    this.emit("ServiceInitiatedEvent", connection("initiatedConnection", call.id, this.id) + deviceElement("initiatingDevice", this.id) + leaf("localConnectionInfo", "initiated") + leaf("cause", "newCall"));
    call.state = "connected";
    this.emit("OriginatedEvent", connection("originatedConnection", call.id, this.id) + deviceElement("callingDevice", this.id) + deviceElement("calledDevice", to) + leaf("localConnectionInfo", "connected") + leaf("cause", "newCall"));
    this.emit("DeliveredEvent", connection("connection", call.id, to) + deviceElement("alertingDevice", to) + deviceElement("callingDevice", this.id) + deviceElement("calledDevice", to) + leaf("localConnectionInfo", "connected") + leaf("cause", "newCall"));
    return call;
  }

  /** Switches do-not-disturb (DoNotDisturbEvent). */
  setDnd(on: boolean): this {
    this.dnd = on;
    this.emit("DoNotDisturbEvent", deviceElement("device", this.id) + leaf("doNotDisturbOn", on));
    return this;
  }

  /** Switches one forwarding type (ForwardingEvent); `destination` is kept while active. */
  setForwarding(type: string, active: boolean, destination?: string): this {
    const setting: SimForwarding = { type, active, ...(destination ? { destination } : {}) };
    this.forwarding.set(type, setting);
    this.emit("ForwardingEvent", deviceElement("device", this.id) + leaf("forwardingType", type) + leaf("forwardStatus", active) + (active && destination ? leaf("forwardTo", destination) : ""));
    return this;
  }

  /** Unconditional forwarding to a number, or off with null. */
  forwardTo(destination: string | null): this {
    return this.setForwarding("forwardImmediate", destination !== null, destination ?? undefined);
  }

  /** The phone is unplugged or unregistered (OutOfServiceEvent). */
  outOfService(): this {
    this.inService = false;
    this.emit("OutOfServiceEvent", deviceElement("device", this.id) + leaf("cause", "normal"));
    return this;
  }

  /** The phone is back (BackInServiceEvent). */
  backInService(): this {
    this.inService = true;
    this.emit("BackInServiceEvent", deviceElement("device", this.id) + leaf("cause", "normal"));
    return this;
  }

  /** The calls the device is in. */
  get calls(): readonly SimCall[] {
    return [...this.active.values()];
  }

  /** The forwarding types set so far. */
  get forwardings(): readonly SimForwarding[] {
    return [...this.forwarding.values()];
  }

  /** Ends every call without events (as after a switch restart). */
  reset(): void {
    this.active.clear();
  }

  /** @internal Sends an event about this device. */
  emit(name: string, body: string): void {
    this.send(this.id, name, body);
  }

  /** @internal A call the device left. */
  forget(call: SimCall): void {
    this.active.delete(call.id);
  }
}

import type { Clock } from "../contracts/clock.js";
import type { HubEnvelope, HubEvent } from "../contracts/hub-event.js";
import type { Logger } from "../contracts/logger.js";
import type { Notifier } from "../contracts/notifier.js";

/**
 * The in-process bus: numbers each event and hands it to every registered {@link Notifier}, in
 * order. A failing notifier is logged and isolated.
 */
export class EventBus {
  private seq = 0;
  private readonly notifiers: Notifier[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The sequence number of the last published event. */
  get lastSeq(): number {
    return this.seq;
  }

  register(notifier: Notifier): () => void {
    this.notifiers.push(notifier);
    return () => {
      const i = this.notifiers.indexOf(notifier);
      if (i >= 0) this.notifiers.splice(i, 1);
    };
  }

  /** Numbers and delivers an event; `remote` marks one that another cluster node caused (not shared again). */
  publish(event: HubEvent, options?: { remote?: boolean }): HubEnvelope {
    const envelope: HubEnvelope = options?.remote ? { seq: ++this.seq, at: this.clock.now(), event, remote: true } : { seq: ++this.seq, at: this.clock.now(), event };
    for (let i = 0; i < this.notifiers.length; i++) {
      const n = this.notifiers[i]!;
      try {
        n.deliver(envelope);
      } catch (e) {
        this.logger.error({ notifier: n.name, err: e }, "notifier failed on an event; it keeps receiving");
      }
    }
    return envelope;
  }
}

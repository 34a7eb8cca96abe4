import type { HubEnvelope, PresenceChanged, PresenceHubApp } from "@presence-hub/core";

/** Records every hub event the app publishes from now on (a real notifier on the real bus). */
export function captureEvents(app: PresenceHubApp): { events: HubEnvelope[]; presence(username: string): PresenceChanged[]; clear(): void } {
  const events: HubEnvelope[] = [];
  app.bus.register({ name: "test-capture", deliver: (e) => void events.push(e) });
  return {
    events,
    presence: (username) => events.map((e) => e.event).filter((e): e is PresenceChanged => e.type === "presence" && e.username === username),
    clear: () => void events.splice(0),
  };
}

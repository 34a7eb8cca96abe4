import { loadSession, toLogin } from "./api.js";

/** What a live frame says changed (see the server's AdminEventFeed). */
export interface LiveChange {
  readonly kind: "users" | "directory" | "connectors" | "services" | "settings";
  /** Usernames, connector ids, service ids or setting keys; null means "everything". */
  readonly names: readonly string[] | null;
}

/**
 * The admin pages' live feed (`/api/v1/admin/events`, Server-Sent Events with the session
 * cookie). Shows its state in the header's `#live` element; on a lost connection the browser
 * reconnects by itself, and every page also keeps a Reload button.
 */
export class LiveFeed {
  private readonly listeners: ((change: LiveChange) => void)[] = [];
  private source: EventSource | null = null;

  start(): void {
    const indicator = document.getElementById("live");
    const show = (text: string, state: string) => {
      if (!indicator) return;
      indicator.textContent = text;
      indicator.dataset.state = state;
    };
    const source = new EventSource("/api/v1/admin/events");
    this.source = source;
    source.onopen = () => show("Live", "open");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        show("Live updates stopped — use Reload", "closed");
        // A refused stream usually means the session ended.
        void loadSession().then((s) => {
          if (!s) toLogin();
        });
      } else show("Reconnecting…", "connecting");
    };
    const on = (kind: LiveChange["kind"], key: string) =>
      source.addEventListener(kind, (e) => {
        const data = JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>;
        const names = Array.isArray(data[key]) ? (data[key] as string[]) : null;
        for (const l of this.listeners) l({ kind, names });
      });
    on("users", "usernames");
    on("directory", "usernames");
    on("connectors", "ids");
    on("services", "ids");
    on("settings", "keys");
    addEventListener("pagehide", () => source.close());
  }

  on(listener: (change: LiveChange) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    this.source?.close();
  }
}

/**
 * Ringing-since and busy-since timers. Times in the API are the hub's clock (`telephony.since`);
 * the desk PC's clock may differ, so the offset is estimated once from an HTTP `Date` header and
 * applied when it is larger than that header's one-second resolution can explain.
 */
let offsetMs = 0;
let ticking = false;

/** `m:ss` below an hour, `h:mm:ss` above; negative (clock skew) counts as zero. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Milliseconds since the hub-clock time `since`. */
export function elapsedSince(since: number): number {
  return Date.now() + offsetMs - since;
}

/** Estimates the hub's clock offset from the `Date` header of a cheap request (never fails the page). */
export async function syncClock(): Promise<void> {
  try {
    const sent = Date.now();
    const res = await fetch("/api/v1/health", { headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
    const received = Date.now();
    const date = Date.parse(res.headers.get("date") ?? "");
    if (!Number.isFinite(date)) return;
    // The header is truncated to the second: its middle is the best guess.
    const estimate = date + 500 - (sent + received) / 2;
    offsetMs = Math.abs(estimate) > 2000 ? estimate : 0;
  } catch {
    offsetMs = 0;
  }
}

/** A timer element for a status that started at `since` (hub clock); it ticks with the others. */
export function timerText(el: HTMLElement, since: number): void {
  el.dataset.since = String(since);
  el.textContent = formatElapsed(elapsedSince(since));
}

/** Updates every timer on the page once a second (one interval for all of them). */
export function startTimers(): void {
  if (ticking) return;
  ticking = true;
  setInterval(() => {
    for (const el of document.querySelectorAll<HTMLElement>("[data-since]")) el.textContent = formatElapsed(elapsedSince(Number(el.dataset.since)));
  }, 1000);
}

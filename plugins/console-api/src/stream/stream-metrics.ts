import type { Metrics } from "@presence-hub/core";
import type { StreamHub } from "./stream-hub.js";

/** Lag worth telling apart: the stream coalesces for 20 ms, a healthy console gets changes well under 100 ms. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The console stream's metrics: connections now and opened, frames and user updates sent,
 * frames held back for slow consoles, and the lag histogram (from a change in the hub to the
 * frame carrying it). Counters are the stream's own numbers, read at scrape time.
 */
export function streamMetrics(metrics: Metrics): { observeLag: (seconds: number) => void; attach(stream: StreamHub): void } {
  const lag = metrics
    .histogram({ name: "presence_hub_stream_lag_seconds", help: "Time from a presence change in the hub to the console frame carrying it (coalescing window included).", buckets: LAG_BUCKETS })
    .labels();
  return {
    observeLag: (seconds) => lag.observe(seconds),
    attach(stream) {
      metrics.collect({ name: "presence_hub_console_connections", help: "Console WebSocket connections open now.", type: "gauge" }, (emit) => emit(stream.size));
      metrics.collect({ name: "presence_hub_console_connections_opened_total", help: "Console WebSocket connections accepted.", type: "counter" }, (emit) => emit(stream.stats.connections));
      metrics.collect({ name: "presence_hub_stream_frames_total", help: "Frames sent to consoles (snapshots, replays, deltas, errors).", type: "counter" }, (emit) => emit(stream.stats.frames));
      metrics.collect({ name: "presence_hub_stream_user_updates_total", help: "User representations sent to consoles.", type: "counter" }, (emit) => emit(stream.stats.users));
      metrics.collect({ name: "presence_hub_stream_deferred_frames_total", help: "Frames held back because a console's socket was full (a slow console).", type: "counter" }, (emit) => emit(stream.stats.deferred));
    },
  };
}

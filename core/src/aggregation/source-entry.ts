import type { RichReport, TelephonyReport } from "../model/observation.js";

/** What one source last said about one user's field. Replaced (never mutated) on every report. */
export interface SourceEntry<R extends TelephonyReport | RichReport = TelephonyReport | RichReport> {
  readonly source: string;
  readonly report: R;
  readonly at: number;
}

/** The service status the hub derives when no source has anything to say. */
export interface ServiceFallback {
  readonly status: "not-requested" | "requesting" | "server-not-configured" | "user-not-configured";
  readonly rule: string;
  readonly reason: string;
}

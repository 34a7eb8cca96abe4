import { StringEnum, Type, type Static, type TSchema } from "@presence-hub/core";

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** What started a run. */
export const SyncTrigger = StringEnum(["start", "schedule", "manual"]);
export type SyncTrigger = Static<typeof SyncTrigger>;

/**
 * The report of one run, as `POST /api/v1/directory/sync` returns it, `GET …/status` shows the
 * last one, and `presence-hub users sync` prints it. A dry run's lists say what a real run
 * would have done at that moment.
 */
export const SyncReport = Type.Object({
  trigger: SyncTrigger,
  dryRun: Type.Boolean(),
  outcome: StringEnum(["ok", "failed"]),
  /** Why the run failed (nothing was changed when it failed reading the directory). */
  error: Nullable(Type.String()),
  /** `password`, `connect`, `tls`, `bind`, `search`, `safety`, `read` (unexpected) or `apply`; null when ok. */
  failedPhase: Nullable(Type.String()),
  startedAt: Type.Integer(),
  finishedAt: Type.Integer(),
  source: Type.Object({ url: Type.String(), baseDn: Type.String(), filter: Type.String(), origin: Type.String() }),
  /** Entries the search returned, and in how many pages. */
  entries: Type.Integer(),
  pages: Type.Integer(),
  counts: Type.Object({ added: Type.Integer(), updated: Type.Integer(), removed: Type.Integer(), unchanged: Type.Integer(), skipped: Type.Integer() }),
  added: Type.Array(
    Type.Object({
      dn: Type.String(),
      username: Type.String(),
      displayName: Type.String(),
      firstExtension: Nullable(Type.String()),
      sipUri: Nullable(Type.String()),
      voicemailNumber: Nullable(Type.String()),
    }),
  ),
  updated: Type.Array(
    Type.Object({
      dn: Type.String(),
      username: Type.String(),
      changes: Type.Array(Type.Object({ field: Type.String(), from: Nullable(Type.String()), to: Nullable(Type.String()) })),
    }),
  ),
  removed: Type.Array(Type.Object({ username: Type.String(), displayName: Type.String() })),
  skipped: Type.Array(Type.Object({ dn: Type.String(), username: Nullable(Type.String()), reason: Type.String() })),
});
export type SyncReport = Static<typeof SyncReport>;

/** `GET /api/v1/directory/status`: configuration (no secrets), schedule, last reports. */
export const DirectoryStatus = Type.Object({
  enabled: Type.Boolean(),
  source: Type.Object({ url: Type.String(), baseDn: Type.String(), filter: Type.String(), origin: Type.String(), bindDn: Nullable(Type.String()) }),
  scheduleMinutes: Type.Integer(),
  /** A run is in progress (runs are serialised: a request made meanwhile waits for it). */
  running: Type.Boolean(),
  nextRunAt: Type.Union([Type.Integer(), Type.Null()]),
  lastSuccessAt: Type.Union([Type.Integer(), Type.Null()]),
  /** The last real (not dry) run, whatever started it. */
  lastRun: Type.Union([SyncReport, Type.Null()]),
  lastDryRun: Type.Union([SyncReport, Type.Null()]),
});
export type DirectoryStatus = Static<typeof DirectoryStatus>;

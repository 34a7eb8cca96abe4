import Boom from "@hapi/boom";
import type { Server } from "@hapi/hapi";
import { routeValidator, Type } from "@presence-hub/core";
import type { DirectorySync } from "./directory-sync.js";
import { DirectoryStatus, SyncReport } from "./sync-report.js";
import type { SyncSchedule } from "./sync-schedule.js";

const SyncQuery = Type.Object(
  { dryRun: Type.Boolean({ default: false, description: "true: report what would change, change nothing" }) },
  { additionalProperties: false },
);

/** What the routes need besides the sync itself. */
export interface DirectoryRouteContext {
  readonly sync: DirectorySync;
  /** Null when the plugin is disabled (no automatic runs). */
  readonly schedule: SyncSchedule | null;
  readonly enabled: boolean;
  readonly scheduleMinutes: number;
  /** Shown in the status; never the password. */
  readonly source: DirectoryStatus["source"];
}

/**
 * `POST /api/v1/directory/sync?dryRun=` (admins): runs a sync now and answers with its report
 * (502 with the report when the directory could not be read: the message says why). `GET
 * /api/v1/directory/status` (operators): schedule and the last reports, for Manage Services and
 * the users page.
 */
export function registerDirectoryRoutes(server: Server, ctx: DirectoryRouteContext): void {
  server.route({
    method: "POST",
    path: "/api/v1/directory/sync",
    options: {
      auth: { access: { scope: ["admin"] } },
      description: "Synchronise users from the LDAP directory now (or, with dryRun=true, show what would change) and return the run's report.",
      validate: { query: routeValidator(SyncQuery, "invalid query", { coerceTypes: true }) },
      plugins: { openapi: { query: SyncQuery, response: SyncReport } },
    },
    handler: async (request, h) => {
      if (!ctx.enabled) throw Boom.conflict("directory sync is disabled (pluginOptions.directory-ldap.enabled: false)");
      const { dryRun } = request.query as { dryRun: boolean };
      const report = await ctx.sync.run("manual", dryRun);
      if (report.outcome === "ok") return report;
      return h.response({ statusCode: 502, error: "Bad Gateway", message: `directory sync failed: ${report.error ?? "unknown error"}`, report }).code(502);
    },
  });
  server.route({
    method: "GET",
    path: "/api/v1/directory/status",
    options: {
      description: "The directory sync's source, schedule, and last real and dry runs' reports.",
      plugins: { openapi: { response: DirectoryStatus } },
    },
    handler: (): DirectoryStatus => ({
      enabled: ctx.enabled,
      source: ctx.source,
      scheduleMinutes: ctx.scheduleMinutes,
      running: ctx.sync.running,
      nextRunAt: ctx.schedule?.nextRunAt ?? null,
      lastSuccessAt: ctx.sync.lastSuccessAt,
      lastRun: ctx.sync.lastRun,
      lastDryRun: ctx.sync.lastDryRun,
    }),
  });
}

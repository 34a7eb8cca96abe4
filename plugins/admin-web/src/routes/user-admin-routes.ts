import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { importUsersCsv, routeValidator, Type, USERNAME_PATTERN, type Hub, type Logger } from "@presence-hub/core";
import { actor, ADMIN_ONLY } from "./principal.js";

const UsernameParams = Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN.source, "x-hint": "1-64 letters, digits, . _ @ -" }) }, { additionalProperties: false });

const Optional = (description: string) => Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()], { description }));

/** Body of `PUT /api/v1/users/{username}`: the editable fields; empty or null clears an optional one. */
export const UserBody = Type.Object(
  {
    displayName: Optional("Shown name; defaults to the username."),
    firstExtension: Optional("Key for telephony presence (dial string)."),
    sipUri: Optional("Key for rich presence, e.g. sip:alice@example.com (needed only with a presence server)."),
    voicemailNumber: Optional("The user's own voicemail number (a forward to it is forwarded-voicemail)."),
  },
  { additionalProperties: false },
);

/** A stored user record as admins edit it. */
export const UserRecord = Type.Object({
  username: Type.String(),
  displayName: Type.String(),
  firstExtension: Type.Union([Type.String(), Type.Null()]),
  sipUri: Type.Union([Type.String(), Type.Null()]),
  voicemailNumber: Type.Union([Type.String(), Type.Null()]),
  origin: Type.String({ description: "manual, config, csv, or a directory plugin's id" }),
});

const SaveResult = Type.Object({ outcome: Type.Union([Type.Literal("created"), Type.Literal("updated"), Type.Literal("unchanged")]), user: UserRecord });
const RecordQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const RecordList = Type.Object({ total: Type.Integer(), users: Type.Array(UserRecord) });

/** The largest CSV the import route accepts (the core's parser limit). */
const MAX_CSV_BYTES = 10 * 1024 * 1024;
const CsvBody = Type.String({ minLength: 1, maxLength: MAX_CSV_BYTES, description: "CSV text with a header row: username, displayName, firstExtension, sipUri, voicemailNumber." });
const ImportReport = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), username: Type.Union([Type.String(), Type.Null()]), reason: Type.String() })),
});

/**
 * User administration: the stored records (`GET /api/v1/user-records`, with the voicemail
 * number and origin the console's presence view leaves out), add or edit
 * (`PUT /api/v1/users/{username}`), delete, and CSV import with a per-row report. All admin
 * only; every change applies at once (watches move, presence is re-evaluated).
 */
export function registerUserAdminRoutes(server: Server, hub: Hub, audit: Logger): void {
  server.route({
    method: "GET",
    path: "/api/v1/user-records",
    options: {
      auth: ADMIN_ONLY,
      description: "Stored user records (voicemail number and origin included), sorted by username; optional text search.",
      validate: { query: routeValidator(RecordQuery, "invalid query", { coerceTypes: true }) },
      plugins: { openapi: { query: RecordQuery, response: RecordList } },
    },
    handler: (request) => {
      const q = ((request.query as { q?: string }).q ?? "").toLowerCase();
      const users = hub
        .users()
        .filter((u) => !q || [u.username, u.displayName, u.firstExtension ?? "", u.sipUri ?? "", u.voicemailNumber ?? ""].some((v) => v.toLowerCase().includes(q)))
        .sort((a, b) => a.username.localeCompare(b.username));
      return { total: users.length, users };
    },
  });
  server.route({
    method: "PUT",
    path: "/api/v1/users/{username}",
    options: {
      auth: ADMIN_ONLY,
      description: "Add or edit a user; validated (unique first extension and SIP URI → 409), applied at once.",
      payload: { allow: "application/json", maxBytes: 16 * 1024 },
      validate: { params: routeValidator(UsernameParams, "invalid path"), payload: routeValidator(UserBody, "invalid user") },
      plugins: { openapi: { body: UserBody, response: SaveResult } },
    },
    handler: async (request, h) => {
      const { username } = request.params as { username: string };
      const body = request.payload as Partial<Record<"displayName" | "firstExtension" | "sipUri" | "voicemailNumber", string | null>>;
      const existing = hub.user(username);
      const outcome = await hub.saveUser({ ...(existing ?? {}), ...body, username, origin: existing?.origin ?? "manual" });
      if (outcome !== "unchanged") audit.info({ by: actor(request), user: username }, `user ${outcome}`);
      return h.response({ outcome, user: hub.user(username) }).code(outcome === "created" ? 201 : 200);
    },
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/users/{username}",
    options: {
      auth: ADMIN_ONLY,
      description: "Delete a user: watches end, stored presence is forgotten.",
      validate: { params: routeValidator(UsernameParams, "invalid path") },
    },
    handler: async (request, h) => {
      const { username } = request.params as { username: string };
      if (!(await hub.removeUser(username))) throw Boom.notFound(`user "${username}" not found`);
      audit.info({ by: actor(request), user: username }, "user deleted");
      return h.response().code(204);
    },
  });
  server.route({
    method: "POST",
    path: "/api/v1/users/import",
    options: {
      auth: ADMIN_ONLY,
      description: "Import users from CSV (text/csv body). Good rows are saved, bad rows reported with line and reason; no row half-written.",
      payload: { allow: ["text/csv", "text/plain"], maxBytes: MAX_CSV_BYTES, parse: true },
      validate: { payload: routeValidator(CsvBody, "invalid CSV") },
      plugins: { openapi: { body: CsvBody, response: ImportReport } },
    },
    handler: async (request) => {
      const report = await importUsersCsv(request.payload as string, (user) => hub.saveUser(user));
      audit.info({ by: actor(request), created: report.created, updated: report.updated, unchanged: report.unchanged, refused: report.errors.length }, "users imported from CSV");
      return report;
    },
  });
}

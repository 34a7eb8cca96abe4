import type { Server } from "@hapi/hapi";
import { routeValidator, Type } from "@presence-hub/core";
import { NoteInput, NoteView, noteView } from "./note.js";
import type { NoteService } from "./note-service.js";

const ClearQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });
const HistoryQuery = Type.Object(
  { username: Type.Optional(Type.String({ maxLength: 64 })), sinceId: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
  { additionalProperties: false },
);

/** Who is acting, for the note's author and the audit trail. */
function actorOf(credentials: unknown): string {
  return (credentials as { principal?: { name?: string } } | null)?.principal?.name ?? "unknown";
}

/**
 * `PUT /api/v1/users/{username}/note` and `DELETE …/note` (operators and admins), and
 * `GET /api/v1/notes/audit` (admins): the audit trail, filterable by user.
 */
export function registerNoteRoutes(server: Server, notes: NoteService): void {
  server.route({
    method: "PUT",
    path: "/api/v1/users/{username}/note",
    options: {
      description: "Create or replace the user's note; send `version` to be told (409) if someone else changed it meanwhile.",
      validate: { payload: routeValidator(NoteInput, "invalid note") },
      payload: { maxBytes: 64 * 1024, allow: "application/json" },
      plugins: { openapi: { body: NoteInput, response: NoteView } },
    },
    handler: async (request) => noteView(await notes.set(String(request.params.username), request.payload as NoteInput, actorOf(request.auth.credentials))),
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/users/{username}/note",
    options: {
      description: "Clear the user's note (`?version=` to refuse if it changed meanwhile).",
      validate: { query: routeValidator(ClearQuery, "invalid query", { coerceTypes: true }) },
      plugins: { openapi: { query: ClearQuery } },
    },
    handler: async (request, h) => {
      const { version } = request.query as { version?: number };
      await notes.clear(String(request.params.username), actorOf(request.auth.credentials), version);
      return h.response().code(204);
    },
  });
  server.route({
    method: "GET",
    path: "/api/v1/notes/audit",
    options: {
      auth: { access: { scope: ["admin"] } },
      description: "The audit trail of note changes (who, when, before/after), newest first.",
      validate: { query: routeValidator(HistoryQuery, "invalid query", { coerceTypes: true }) },
      plugins: { openapi: { query: HistoryQuery } },
    },
    handler: async (request) => ({ entries: await notes.history(request.query as { username?: string; sinceId?: number; limit: number }) }),
  });
}

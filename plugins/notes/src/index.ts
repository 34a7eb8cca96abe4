import { definePlugin, Tokens, Type } from "@presence-hub/core";
import { noteView } from "./note.js";
import { noteMigrations } from "./note-migrations.js";
import { registerNoteRoutes } from "./note-routes.js";
import { NoteService } from "./note-service.js";

const NotesConfig = Type.Object(
  {
    /** How long audit entries are kept, days. */
    auditRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
  },
  { additionalProperties: false },
);

/**
 * Operators' shared notes ("out of office until Monday"): on every user representation as
 * `note`, changed through the API, pushed to every console at once, expiring by themselves,
 * audited. Notes visible to admins only are `null` for operators.
 */
export default definePlugin({
  id: "notes",
  apiVersion: 1,
  configSchema: NotesConfig,
  migrations: noteMigrations,
  async register(plugin) {
    const c = plugin.container;
    const hub = c.resolve(Tokens.Hub);
    const writes = c.resolve(Tokens.Metrics).counter({ name: "presence_hub_notes_writes_total", help: "Note changes committed to the store, by action (set, cleared, expired, user-removed).", labelNames: ["action"] });
    // A note write is a database transaction: binding the label per write costs nothing next to it.
    const countWrite = (action: string) => writes.labels(action).inc();
    const notes = new NoteService(c.resolve(Tokens.Database), hub, c.resolve(Tokens.EventBus), c.resolve(Tokens.Clock), plugin.logger, plugin.config.auditRetentionDays * 86_400_000, countWrite);
    await notes.load();
    plugin.annotation({
      name: "note",
      get(username, viewer) {
        const note = notes.get(username);
        if (!note || (note.visibleTo === "admins" && viewer.role !== "admin")) return null;
        return noteView(note);
      },
      refresh: (username) => notes.refresh(username),
    });
    plugin.notifier({
      name: "notes-user-removal",
      deliver(envelope) {
        const e = envelope.event;
        if (e.type === "user" && e.user === null && notes.get(e.username)) {
          notes.forgetUser(e.username).catch((err: unknown) => plugin.logger.error({ err, user: e.username }, "could not remove the note of a deleted user"));
        }
      },
    });
    plugin.http((server) => registerNoteRoutes(server, notes));
    plugin.service({ name: "expiry", start: async () => {}, stop: async () => notes.stop() });
  },
});
export { NoteService } from "./note-service.js";

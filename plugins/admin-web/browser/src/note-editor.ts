import { api, ApiError, messageOf } from "./api.js";
import { formatTime, h, replace, statusLine, uid } from "./dom.js";
import type { PresenceModel } from "./presence-model.js";
import { noteOf, type NoteView, type UserView } from "./types.js";

/** Longest note the notes plugin accepts. */
const MAX_NOTE_LENGTH = 2000;

/** How an editor closed: the row puts the focus back and says what happened. */
export type EditorOutcome = "saved" | "cleared" | "cancelled";

/**
 * The inline editor of a user's shared note. It remembers the version it started from and sends
 * it with the change, so a note someone else changed meanwhile is not overwritten: the hub
 * answers 409, and the editor says who changed it, offers Reload, and keeps the typed text.
 * It also notices such a change while open (the stream delivers it) before any save is tried.
 * Note texts are only ever set as text (textarea value, text nodes).
 *
 * Keys: Enter saves, Shift+Enter starts a new line, Escape cancels.
 */
export class NoteEditor {
  readonly el: HTMLFormElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly conflict: HTMLElement;
  private readonly clearButton: HTMLButtonElement;
  private readonly status = statusLine();
  /** The note version this edit replaces (0: there was none). */
  private baseVersion = 0;
  private busy = false;

  constructor(
    private readonly username: string,
    private readonly model: PresenceModel,
    private readonly onClose: (outcome: EditorOutcome) => void,
  ) {
    const id = uid("note-text");
    const help = uid("note-help");
    this.textarea = h("textarea", { id, class: "note-input", rows: 2, maxlength: MAX_NOTE_LENGTH, "aria-describedby": help });
    this.conflict = h("div", { class: "note-conflict", role: "alert", hidden: true });
    this.clearButton = h("button", { type: "button", class: "danger", "data-action": "clear-note", onclick: () => void this.clear() }, "Clear note");
    this.el = h(
      "form",
      { class: "note-editor", hidden: true, novalidate: true, "data-editor": username },
      h("label", { for: id, class: "small" }, "Note for the other operators"),
      this.textarea,
      h("p", { id: help, class: "help" }, "Enter saves, Shift+Enter starts a new line, Escape cancels."),
      this.conflict,
      this.status.el,
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", "data-action": "save-note" }, "Save note"),
        this.clearButton,
        h("button", { type: "button", class: "secondary", "data-action": "cancel-note", onclick: () => this.close("cancelled") }, "Cancel"),
      ),
    );
    this.el.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.save();
    });
    this.textarea.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.save();
      }
    });
    // Escape anywhere in the editor cancels it, and goes no further (the list would act on it too).
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        this.close("cancelled");
      }
    });
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  /** Opens with the current note's text, and focuses the text. */
  open(): void {
    const note = this.current();
    this.baseVersion = note?.version ?? 0;
    this.textarea.value = note?.text ?? "";
    this.clearButton.hidden = !note;
    this.conflict.hidden = true;
    this.status.clear();
    this.el.hidden = false;
    this.textarea.focus();
    this.textarea.setSelectionRange(this.textarea.value.length, this.textarea.value.length);
  }

  close(outcome: EditorOutcome): void {
    if (!this.isOpen) return;
    this.el.hidden = true;
    this.onClose(outcome);
  }

  /** The user changed (stream): a note changed by someone else while editing is flagged at once. */
  userChanged(user: UserView | null): void {
    if (!this.isOpen || !user || this.busy) return;
    const note = noteOf(user.note);
    if ((note?.version ?? 0) !== this.baseVersion) this.showConflict(note, (note?.version ?? 0) > 0, "seen");
  }

  private current(): NoteView | null {
    return noteOf(this.model.get(this.username)?.note);
  }

  private async save(): Promise<void> {
    if (this.busy) return;
    const text = this.textarea.value.trim();
    if (!text) {
      if (this.baseVersion > 0) return this.clear();
      return this.close("cancelled");
    }
    const before = this.current();
    // Keep what this editor does not show: who may see the note, and when it expires.
    const body: Record<string, unknown> = { text, version: this.baseVersion, visibleTo: before?.visibleTo ?? "everyone" };
    if (before?.validUntil && before.validUntil > Date.now()) body.validUntil = before.validUntil;
    this.busy = true;
    this.status.ok("Saving…");
    try {
      const saved = await api<NoteView>("PUT", `/api/v1/users/${encodeURIComponent(this.username)}/note`, body);
      this.model.applyNoteChange(this.username, { saved });
      this.busy = false;
      this.close("saved");
    } catch (e) {
      this.busy = false;
      await this.failed(e);
    }
  }

  private async clear(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.status.ok("Clearing…");
    try {
      await api("DELETE", `/api/v1/users/${encodeURIComponent(this.username)}/note?version=${this.baseVersion}`);
      this.model.applyNoteChange(this.username, { clearedVersion: this.baseVersion });
      this.busy = false;
      this.close("cleared");
    } catch (e) {
      this.busy = false;
      await this.failed(e);
    }
  }

  private async failed(e: unknown): Promise<void> {
    if (!(e instanceof ApiError && e.status === 409)) {
      this.status.error(messageOf(e));
      this.textarea.focus();
      return;
    }
    this.status.clear();
    // The hub's message says which version is current; the note itself may be one this viewer cannot see (admins only).
    const now = Number(/now version (\d+)/.exec(e.message)?.[1] ?? NaN);
    let note: NoteView | null = null;
    try {
      const user = await api<UserView>("GET", `/api/v1/users/${encodeURIComponent(this.username)}`);
      this.model.put(user);
      note = noteOf(user.note);
    } catch {
      note = this.current();
    }
    this.showConflict(note, Number.isFinite(now) ? now > 0 : note !== null, "refused");
    this.textarea.focus();
  }

  /**
   * Says who changed the note meanwhile, and offers to take the current version as the base
   * (the typed text stays). `how`: seen on the stream while editing, or a save the hub refused.
   */
  private showConflict(note: NoteView | null, exists: boolean, how: "seen" | "refused"): void {
    this.conflict.hidden = false;
    this.conflict.dataset.conflict = how;
    this.conflict.setAttribute("role", "alert");
    if (exists && !note) {
      replace(this.conflict, h("p", {}, "Someone changed this note, and it is now visible to admins only: ask an admin to change it."));
      return;
    }
    const reload = h("button", { type: "button", class: "secondary", "data-action": "reload-note", onclick: () => this.reload(note) }, "Reload");
    const what = note ? `Changed by ${note.author} at ${formatTime(note.updatedAt)}` : "Cleared by someone else meanwhile";
    replace(this.conflict, h("p", {}, `${what} — `, reload), h("p", { class: "small" }, "Your text is kept below."));
  }

  /** Takes the current version as the one this edit replaces; shows its text beside the kept one. */
  private reload(note: NoteView | null): void {
    this.baseVersion = note?.version ?? 0;
    this.clearButton.hidden = !note;
    replace(
      this.conflict,
      note ? h("p", {}, `Current note by ${note.author}: `, h("q", { class: "note-theirs" }, note.text)) : h("p", {}, "The note was cleared."),
      h("p", { class: "small" }, "Your text is kept below: Save replaces the current note with it."),
    );
    this.conflict.removeAttribute("role");
    this.conflict.dataset.conflict = "reloaded";
    this.textarea.focus();
  }
}

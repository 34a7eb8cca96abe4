import { messageOf } from "./api.js";
import { callParty, forwardTarget, richLook, showsTimer, telephonyLook, type StatusLook } from "./attendant-status.js";
import { formatTime, h, replace, uid } from "./dom.js";
import { icon } from "./icons.js";
import { NoteEditor, type EditorOutcome } from "./note-editor.js";
import type { PresenceModel } from "./presence-model.js";
import { timerText } from "./since-timer.js";
import { noteOf, type UserView } from "./types.js";

/** What a row needs from the console around it. */
export interface RowHost {
  readonly model: PresenceModel;
  isContact(username: string): boolean;
  addContact(username: string): Promise<void>;
  removeContact(username: string): Promise<void>;
  /** Tells screen readers (and shows) what just happened. */
  announce(text: string, error?: boolean): void;
}

/** A status badge: colour family as a class, the icon, the words; details on hover. */
function badge(field: "telephony" | "rich", status: string, look: StatusLook): HTMLElement {
  return h("span", { class: `st st-${look.tone}`, "data-field": field, "data-status": status, "data-tone": look.tone, title: look.title }, icon(look.icon), h("span", { class: "st-label" }, look.label));
}

/**
 * One person in a console list (search results or the contact list): name and extension,
 * telephony presence with its timer, forward target or call party, rich presence with its
 * message, the shared note, and the actions (add or remove contact, edit the note, inline).
 * Built once and updated in place from the model, so a live change never disturbs the focus
 * or an open note editor. The row itself is focusable (the lists move between rows with the
 * arrow keys); `data-tone` carries the telephony colour family.
 */
export class PersonRow {
  readonly el: HTMLLIElement;
  private readonly nameEl: HTMLElement;
  private readonly extEl: HTMLElement;
  private readonly telEl: HTMLElement;
  private readonly richEl: HTMLElement;
  private readonly noteEl: HTMLElement;
  private readonly actionsEl: HTMLElement;
  private readonly editor: NoteEditor;
  private readonly unlisten: () => void;
  private user: UserView | null = null;
  /** What the actions were last built for: rebuilt only when it changes, not on every presence change. */
  private actionsKey = "";

  constructor(
    readonly username: string,
    readonly kind: "result" | "contact",
    private readonly host: RowHost,
  ) {
    const id = uid("person");
    this.nameEl = h("span", { class: "person-name", id: `${id}-name` }, username);
    this.extEl = h("span", { class: "person-ext", id: `${id}-ext` });
    this.telEl = h("div", { class: "person-tel", id: `${id}-tel` });
    this.richEl = h("div", { class: "person-rich", id: `${id}-rich` });
    this.noteEl = h("div", { class: "person-note", id: `${id}-note` });
    this.actionsEl = h("div", { class: "person-actions" });
    this.editor = new NoteEditor(username, host.model, (outcome) => this.editorClosed(outcome));
    this.el = h(
      "li",
      // Focused, the row reads as its name, then extension, presence and note.
      { class: "person", "data-user": username, "data-kind": kind, tabindex: -1, "aria-labelledby": `${id}-name`, "aria-describedby": ["ext", "tel", "rich", "note"].map((p) => `${id}-${p}`).join(" ") },
      h("div", { class: "person-head" }, h("div", { class: "person-id" }, this.nameEl, this.extEl), this.actionsEl),
      h("div", { class: "person-status" }, this.telEl, this.richEl),
      this.noteEl,
      this.editor.el,
    );
    this.unlisten = host.model.listen(username, (user) => this.update(user));
    this.update(host.model.get(username) ?? null);
  }

  get displayName(): string {
    return this.user?.displayName ?? this.username;
  }

  /** Enter on the row: a search result not yet a contact is added; otherwise the note editor opens. */
  async enter(): Promise<void> {
    if (this.kind === "result" && !this.host.isContact(this.username)) await this.add();
    else this.openNote();
  }

  openNote(): void {
    if (!this.user) return;
    this.editor.open();
  }

  /** The contact state changed elsewhere: the actions follow. */
  contactsChanged(): void {
    this.renderActions();
  }

  dispose(): void {
    this.unlisten();
    this.el.remove();
  }

  private async add(): Promise<void> {
    try {
      await this.host.addContact(this.username);
      this.host.announce(`${this.displayName} added to your contacts.`);
    } catch (e) {
      this.host.announce(`Could not add ${this.displayName}: ${messageOf(e)}`, true);
    }
  }

  private async remove(): Promise<void> {
    try {
      await this.host.removeContact(this.username);
      this.host.announce(`${this.displayName} removed from your contacts.`);
    } catch (e) {
      this.host.announce(`Could not remove ${this.displayName}: ${messageOf(e)}`, true);
    }
  }

  private editorClosed(outcome: EditorOutcome): void {
    if (outcome === "saved") this.host.announce(`Note on ${this.displayName} saved.`);
    if (outcome === "cleared") this.host.announce(`Note on ${this.displayName} cleared.`);
    this.el.focus();
  }

  private update(user: UserView | null): void {
    this.user = user;
    this.editor.userChanged(user);
    if (!user) {
      this.el.dataset.tone = "neutral";
      replace(this.telEl, h("span", { class: "muted" }, "…"));
      replace(this.richEl);
      replace(this.noteEl);
      this.renderActions();
      return;
    }
    replace(this.nameEl, user.displayName);
    replace(this.extEl, user.firstExtension ? `Ext. ${user.firstExtension}` : "");
    this.renderTelephony(user);
    this.renderRich(user);
    this.renderNote(user);
    this.renderActions();
  }

  private renderTelephony(user: UserView): void {
    const t = user.telephony;
    const look = telephonyLook(t);
    this.el.dataset.tone = look.tone;
    const parts: Node[] = [badge("telephony", t.status, look)];
    if (showsTimer(t.status)) {
      const timer = h("span", { class: "since-timer", "data-timer": t.status, title: `${look.label} since ${formatTime(t.since)}` });
      timerText(timer, t.since);
      parts.push(timer);
    }
    const target = forwardTarget(t);
    if (target) parts.push(h("span", { class: "tel-forward", "data-forward-to": target }, icon("forwarded"), h("span", { class: "visually-hidden" }, "to "), target));
    const party = callParty(t);
    if (party) parts.push(h("span", { class: "tel-party small" }, party));
    replace(this.telEl, h("span", { class: "field-tag" }, "Phone"), parts);
  }

  private renderRich(user: UserView): void {
    const r = user.rich;
    replace(this.richEl, h("span", { class: "field-tag" }, "Presence"), badge("rich", r.status, richLook(r)), r.message ? h("span", { class: "rich-message" }, r.message) : null);
  }

  private renderNote(user: UserView): void {
    const note = noteOf(user.note);
    if (!note) return replace(this.noteEl);
    const meta = `— ${note.author}, ${formatTime(note.updatedAt)}${note.validUntil ? `, until ${formatTime(note.validUntil)}` : ""}`;
    replace(this.noteEl, h("p", { class: "note", "data-note": "", "data-version": note.version }, h("span", { class: "visually-hidden" }, "Note: "), h("span", { class: "note-text" }, note.text), " ", h("span", { class: "note-meta" }, meta)));
  }

  private renderActions(): void {
    const name = this.displayName;
    const key = `${name}|${this.user !== null}|${this.host.isContact(this.username)}`;
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    const noteButton = h("button", { type: "button", class: "secondary icon-button", "data-action": "edit-note", "aria-label": `Edit the note on ${name}`, title: "Edit the note (Enter on a contact)", disabled: !this.user, onclick: () => this.openNote() }, icon("note"), h("span", {}, "Note"));
    let contactPart: Node;
    if (this.kind === "contact") {
      contactPart = h("button", { type: "button", class: "secondary", "data-action": "remove-contact", "aria-label": `Remove ${name} from my contacts`, title: "Remove from my contacts (Delete)", onclick: () => void this.remove() }, "Remove");
    } else if (this.host.isContact(this.username)) {
      contactPart = h("span", { class: "in-contacts small", "data-in-contacts": "" }, "In contacts");
    } else {
      contactPart = h("button", { type: "button", "data-action": "add-contact", "aria-label": `Add ${name} to my contacts`, title: "Add to my contacts (Enter)", onclick: () => void this.add() }, "Add");
    }
    // Keep the focus where it was if it sat on a button being replaced.
    const focused = this.actionsEl.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
    replace(this.actionsEl, noteButton, contactPart);
    if (focused) (this.actionsEl.querySelector<HTMLElement>(`[data-action="${focused}"]`) ?? this.el).focus();
  }
}

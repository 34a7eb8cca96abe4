import { api, loadSession, messageOf, toLogin } from "./api.js";
import { ConsoleStream, type StreamState } from "./console-stream.js";
import { ContactList } from "./contact-list.js";
import { h, replace, uid } from "./dom.js";
import { PersonRow, type RowHost } from "./person-row.js";
import { PresenceModel } from "./presence-model.js";
import { RovingList } from "./roving-list.js";
import { startPage, type PageContext } from "./shell.js";
import { startTimers, syncClock } from "./since-timer.js";
import type { UserView } from "./types.js";

/** Search answers shown (and watched) at most: a search narrows, it does not list everyone. */
const RESULT_LIMIT = 25;
/** Typing pauses this long before a search goes out. */
const SEARCH_DEBOUNCE_MS = 150;

/** Whether a key press is typing into a field (so `/` is a character there, not the shortcut). */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** The header's live indicator, in words. */
function showState(state: StreamState, retryInMs?: number): void {
  const el = document.getElementById("live");
  if (!el) return;
  el.dataset.state = state === "open" ? "open" : "connecting";
  el.textContent = state === "open" ? "Live" : state === "connecting" ? "Connecting…" : retryInMs !== undefined ? `Reconnecting in ${Math.max(1, Math.round(retryInMs / 1000))} s…` : "Reconnecting…";
}

/**
 * The attendant console: search the directory, keep a personal contact list (on the hub), see
 * everyone's telephony and rich presence live, edit the shared notes inline — all from the
 * keyboard if need be. One stream connection watches the contacts and the current search
 * results (which is what subscribes them); the model keyed by username feeds every row.
 */
async function render(ctx: PageContext): Promise<void> {
  const model = new PresenceModel();
  const contacts = new ContactList();
  const statusEl = h("p", { class: "status-line", id: "console-status", role: "status", "aria-live": "polite" });
  const host: RowHost = {
    model,
    isContact: (u) => contacts.has(u),
    addContact: (u) => contacts.add(u),
    removeContact: (u) => contacts.remove(u),
    announce(text, error = false) {
      statusEl.className = `status-line ${error ? "error" : "ok"}`;
      statusEl.textContent = text;
    },
  };

  // ─── layout ─────────────────────────────────────────────────────────────────────────────
  const searchHelp = uid("search-help");
  const search = h("input", { id: "search", type: "search", autocomplete: "off", spellcheck: "false", maxlength: 200, placeholder: "Name, extension or SIP address", "aria-describedby": searchHelp, "aria-controls": "results" });
  const resultsCount = h("p", { class: "muted small", id: "results-count", role: "status", "aria-live": "polite" }, "Type to search the directory.");
  const resultsList = h("ul", { class: "people", id: "results", "aria-label": "Search results" });
  const contactsList = h("ul", { class: "people", id: "contacts", "aria-label": "My contacts" });
  const contactsEmpty = h("p", { class: "muted", id: "contacts-empty" }, "No contacts yet. Search for someone and press Enter (or Add) to keep them here.");
  const contactsCount = h("span", { class: "count muted", id: "contacts-count" });
  replace(
    ctx.app,
    h(
      "div",
      { class: "console-layout" },
      h(
        "section",
        { class: "card console-search", "aria-labelledby": "search-heading" },
        h("h2", { id: "search-heading" }, "Find people"),
        h("div", { class: "field" }, h("label", { for: "search" }, "Search ", h("kbd", { title: "Press / anywhere to come here" }, "/")), search, h("p", { id: searchHelp, class: "help" }, "↓ moves to the results; Enter on a result adds it to your contacts.")),
        resultsCount,
        resultsList,
      ),
      h(
        "section",
        { class: "card console-contacts", "aria-labelledby": "contacts-heading" },
        h("div", { class: "card-head" }, h("h2", { id: "contacts-heading" }, "My contacts ", contactsCount)),
        statusEl,
        contactsEmpty,
        contactsList,
        h(
          "details",
          { class: "keys small" },
          h("summary", {}, "Keyboard"),
          h(
            "dl",
            { class: "state-list" },
            [
              ["/", "search"],
              ["↑ ↓ Home End", "move through a list"],
              ["Tab", "from the search results to your contacts and back"],
              ["Enter", "on a result: add to your contacts (a contact: edit the note)"],
              ["Enter", "on a contact: edit the note (Enter saves, Shift+Enter new line)"],
              ["Delete", "on a contact: remove it"],
              ["Escape", "close the note editor; from the results, back to the search"],
            ].map(([k, what]) => [h("dt", {}, h("kbd", {}, k!)), h("dd", {}, what!)]),
          ),
        ),
      ),
    ),
  );

  // ─── rows ───────────────────────────────────────────────────────────────────────────────
  let results: PersonRow[] = [];
  const contactRows = new Map<string, PersonRow>();
  const resultsNav = new RovingList(resultsList, {
    enter: (row) => void results.find((r) => r.el === row)?.enter(),
    leave: () => search.focus(),
  });
  const contactsNav = new RovingList(contactsList, {
    enter: (row) => contactRows.get(row.dataset.user ?? "")?.openNote(),
    remove: (row) => {
      const index = contactsNav.rows().indexOf(row);
      void contacts.remove(row.dataset.user ?? "").then(
        () => {
          host.announce(`${row.querySelector(".person-name")?.textContent ?? "Contact"} removed from your contacts.`);
          if (!contactsNav.focus(index)) search.focus();
        },
        (e: unknown) => host.announce(messageOf(e), true),
      );
    },
  });

  let connectedBefore = false;
  const stream = new ConsoleStream({
    users: (users) => users.forEach((u) => model.put(u)),
    removed: (names) =>
      names.forEach((u) => {
        model.remove(u);
        contacts.forget(u);
        results = results.filter((r) => (r.username === u ? (r.dispose(), false) : true));
      }),
    state: (state, retryInMs) => {
      showState(state, retryInMs);
      // Back after a lost connection: the list may have changed meanwhile (another tab or desk, a
      // deleted user), and a resume replays changed users only, so read the list again.
      if (state === "open" && connectedBefore) void contacts.load().catch(() => undefined);
      if (state === "open") connectedBefore = true;
    },
    failed: () => void loadSession().then((s) => (s ? undefined : toLogin()), () => undefined),
  });
  const watch = () => stream.watch([...contacts.usernames, ...results.map((r) => r.username)]);

  function renderContacts(): void {
    const focused = document.activeElement;
    for (const [u, row] of contactRows) {
      if (!contacts.has(u)) {
        row.dispose();
        contactRows.delete(u);
      }
    }
    // In list order, moving only rows out of place: rows are never rebuilt (an open editor stays
    // open), and a row that stays put keeps the focus (a moved element loses it).
    contacts.usernames.forEach((u, i) => {
      let row = contactRows.get(u);
      if (!row) contactRows.set(u, (row = new PersonRow(u, "contact", host)));
      if (contactsList.children[i] !== row.el) contactsList.insertBefore(row.el, contactsList.children[i] ?? null);
    });
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();
    contactsNav.refresh();
    contactsEmpty.hidden = contacts.usernames.length > 0;
    contactsCount.textContent = contacts.usernames.length ? `(${contacts.usernames.length})` : "";
    for (const r of results) r.contactsChanged();
    watch();
  }
  contacts.onChange(renderContacts);

  // ─── search ─────────────────────────────────────────────────────────────────────────────
  let debounce: number | undefined;
  let asked = 0;
  let shownQuery = "";
  let focusFirstWhenShown = false;
  async function runSearch(): Promise<void> {
    clearTimeout(debounce);
    debounce = undefined;
    const q = search.value.trim();
    const mine = ++asked;
    let users: UserView[] = [];
    let total = 0;
    if (q) {
      try {
        const params = new URLSearchParams({ q, limit: String(RESULT_LIMIT), order: "displayName" });
        ({ users, total } = await api<{ total: number; users: UserView[] }>("GET", `/api/v1/users?${params}`));
      } catch (e) {
        if (mine === asked) resultsCount.textContent = `Search failed: ${messageOf(e)}`;
        return;
      }
    }
    if (mine !== asked) return; // a newer search is on its way
    shownQuery = q;
    for (const r of results) r.dispose();
    users.forEach((u) => model.seed(u));
    results = users.map((u) => new PersonRow(u.username, "result", host));
    resultsList.replaceChildren(...results.map((r) => r.el));
    resultsNav.refresh();
    resultsCount.textContent = !q ? "Type to search the directory." : total === 0 ? `No one matches “${q}”.` : total > users.length ? `${users.length} of ${total} people — type more to narrow down.` : `${total} ${total === 1 ? "person" : "people"}.`;
    watch();
    if (focusFirstWhenShown) {
      focusFirstWhenShown = false;
      resultsNav.focus(0);
    }
  }
  search.addEventListener("input", () => {
    focusFirstWhenShown = false;
    clearTimeout(debounce);
    debounce = window.setTimeout(() => void runSearch(), SEARCH_DEBOUNCE_MS);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "Enter") {
      e.preventDefault();
      // Results of what is typed already shown: go there; otherwise search now and go there after.
      if (search.value.trim() === shownQuery && debounce === undefined) resultsNav.focus(0);
      else {
        focusFirstWhenShown = true;
        void runSearch();
      }
    } else if (e.key === "Escape" && search.value) {
      e.preventDefault();
      search.value = "";
      void runSearch();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target)) {
      e.preventDefault();
      search.focus();
      search.select();
    }
  });

  // ─── start ──────────────────────────────────────────────────────────────────────────────
  await Promise.all([contacts.load(), syncClock()]);
  startTimers();
  stream.start();
  addEventListener("pagehide", () => stream.stop());
  search.focus();
}

void startPage(render, { live: false });

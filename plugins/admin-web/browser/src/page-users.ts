import { api, ApiError, messageOf } from "./api.js";
import { h, replace, statusLine } from "./dom.js";
import { reloadButton, section, startPage, type PageContext } from "./shell.js";
import type { UserRecordView } from "./types.js";

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const DIAL = /^\+?[0-9*#]{1,32}$/;

interface ImportReport {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly { line: number; username: string | null; reason: string }[];
}

type FieldKey = "username" | "displayName" | "firstExtension" | "sipUri" | "voicemailNumber";

const FIELDS: readonly { key: FieldKey; label: string; help: string; check?: (v: string) => string | null }[] = [
  { key: "username", label: "Username", help: "Unique; letters, digits, . _ @ -.", check: (v) => (USERNAME.test(v) ? null : "must be 1-64 letters, digits, . _ @ - (starting with a letter or digit)") },
  { key: "displayName", label: "Display name", help: "Shown to operators; defaults to the username." },
  { key: "firstExtension", label: "First extension", help: "Key for telephony presence. Empty: telephony shows “User not configured”.", check: (v) => (!v || DIAL.test(v) ? null : "must be a dial string of digits (optional leading +, * and #)") },
  { key: "sipUri", label: "SIP URI", help: "Key for rich presence; needed only with a presence server, e.g. sip:alice@example.com.", check: (v) => (!v || /^(sips?:)?[^@\s]+@[^@\s]+$/i.test(v) ? null : "must be a SIP URI such as sip:alice@example.com") },
  { key: "voicemailNumber", label: "Voicemail number", help: "The user's own voicemail: a forward to it shows as forwarded to voice mail.", check: (v) => (!v || DIAL.test(v) ? null : "must be a dial string of digits") },
];

/** Users: list and search, add/edit/delete, CSV import with a per-row report. */
async function render(ctx: PageContext): Promise<void> {
  const listBox = h("div");
  const editorBox = h("div");
  const listStatus = statusLine();
  const search = h("input", { id: "user-search", type: "search", autocomplete: "off", placeholder: "name, extension, URI…", maxlength: 200 });
  let debounce: number | undefined;
  search.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => void draw(), 250);
  });

  async function draw(): Promise<void> {
    const { users, total } = await api<{ users: UserRecordView[]; total: number }>("GET", `/api/v1/user-records${search.value.trim() ? `?q=${encodeURIComponent(search.value.trim())}` : ""}`);
    replace(
      listBox,
      h("p", { class: "muted", role: "status" }, `${total} user${total === 1 ? "" : "s"}.`),
      users.length === 0
        ? h("p", { class: "muted" }, "No users.")
        : h(
            "table",
            { class: "data", id: "users-admin-table" },
            h("caption", { class: "visually-hidden" }, "Users"),
            h("thead", {}, h("tr", {}, ["Username", "Display name", "First extension", "SIP URI", "Voicemail", "Origin", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              users.map((u) =>
                h(
                  "tr",
                  { "data-user": u.username },
                  h("th", { scope: "row" }, u.username),
                  h("td", {}, u.displayName),
                  h("td", {}, u.firstExtension ?? "—"),
                  h("td", { class: "break" }, u.sipUri ?? "—"),
                  h("td", {}, u.voicemailNumber ?? "—"),
                  h("td", {}, u.origin),
                  h(
                    "td",
                    { class: "actions" },
                    h("button", { type: "button", class: "secondary", "data-action": "edit", "aria-label": `Edit ${u.username}`, onclick: () => openEditor(u) }, "Edit"),
                    h("button", { type: "button", class: "danger", "data-action": "delete", "aria-label": `Delete ${u.username}`, onclick: () => void remove(u) }, "Delete"),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  async function remove(u: UserRecordView): Promise<void> {
    if (!confirm(`Delete user "${u.username}"? Their presence history is forgotten.`)) return;
    try {
      await api("DELETE", `/api/v1/users/${encodeURIComponent(u.username)}`);
      listStatus.ok(`${u.username} deleted.`);
      await draw();
      search.focus();
    } catch (e) {
      listStatus.error(messageOf(e));
    }
  }

  function openEditor(existing: UserRecordView | null): void {
    const status = statusLine();
    const inputs = new Map<FieldKey, { input: HTMLInputElement; error: HTMLElement }>();
    const setError = (key: FieldKey, message: string | null) => {
      const f = inputs.get(key)!;
      f.error.hidden = !message;
      f.error.textContent = message ? `${FIELDS.find((x) => x.key === key)!.label} ${message}` : "";
      if (message) f.input.setAttribute("aria-invalid", "true");
      else f.input.removeAttribute("aria-invalid");
    };
    const grid = h(
      "div",
      { class: "form-grid" },
      FIELDS.map((f) => {
        const id = `user-${f.key}`;
        const input = h("input", {
          id,
          name: f.key,
          type: "text",
          autocomplete: "off",
          spellcheck: "false",
          value: existing ? (existing[f.key] ?? "") : "",
          readonly: f.key === "username" && existing !== null,
          required: f.key === "username",
          "aria-describedby": `${id}-help ${id}-error`,
        });
        const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
        inputs.set(f.key, { input, error });
        input.addEventListener("blur", () => setError(f.key, f.check?.(input.value.trim()) ?? null));
        return h("div", { class: "field" }, h("label", { for: id }, f.label, f.key === "username" ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null), input, h("p", { class: "help", id: `${id}-help` }, f.help), error);
      }),
    );
    const save = async (e: Event) => {
      e.preventDefault();
      status.clear();
      let bad: FieldKey | null = null;
      for (const f of FIELDS) {
        const message = f.check?.(inputs.get(f.key)!.input.value.trim()) ?? null;
        setError(f.key, message);
        if (message && !bad) bad = f.key;
      }
      if (bad) {
        inputs.get(bad)!.input.focus();
        status.error("Correct the marked fields.");
        return;
      }
      const username = inputs.get("username")!.input.value.trim();
      if (!existing && (await api<{ users: UserRecordView[] }>("GET", `/api/v1/user-records?q=${encodeURIComponent(username)}`)).users.some((u) => u.username === username)) {
        setError("username", `"${username}" exists already: edit that user instead`);
        inputs.get("username")!.input.focus();
        return;
      }
      const value = (k: FieldKey) => inputs.get(k)!.input.value.trim() || null;
      try {
        const r = await api<{ outcome: string }>("PUT", `/api/v1/users/${encodeURIComponent(username)}`, {
          displayName: value("displayName"),
          firstExtension: value("firstExtension"),
          sipUri: value("sipUri"),
          voicemailNumber: value("voicemailNumber"),
        });
        replace(editorBox);
        listStatus.ok(`${username} ${r.outcome}; applied at once.`);
        await draw();
      } catch (err) {
        if (err instanceof ApiError && (err.issues.length || err.field)) {
          const issues = err.issues.length ? err.issues : [{ path: err.field!, message: err.message }];
          for (const i of issues) if (inputs.has(i.path as FieldKey)) setError(i.path as FieldKey, i.message);
          status.error(messageOf(err));
        } else status.error(messageOf(err));
      }
    };
    replace(
      editorBox,
      section(
        existing ? `Edit ${existing.username}` : "Add user",
        { id: "user-editor" },
        h("form", { id: "user-form", novalidate: true, onsubmit: save }, grid, h("div", { class: "form-actions" }, h("button", { type: "submit", id: "user-save" }, "Save"), h("button", { type: "button", class: "secondary", onclick: () => replace(editorBox) }, "Cancel")), status.el),
      ),
    );
    inputs.get(existing ? "displayName" : "username")!.input.focus();
  }

  // ─── CSV import ─────────────────────────────────────────────────────────────────────────
  const importStatus = statusLine();
  const reportBox = h("div", { id: "import-report" });
  const file = h("input", { id: "csv-file", type: "file", accept: ".csv,text/csv,text/plain", "aria-describedby": "csv-help" });
  const text = h("textarea", { id: "csv-text", rows: 6, spellcheck: "false", "aria-describedby": "csv-help", placeholder: "username,displayName,firstExtension,sipUri,voicemailNumber\nalice,Alice Example,1001,sip:alice@example.com,8001" });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });
  const runImport = async (e: Event) => {
    e.preventDefault();
    importStatus.clear();
    if (!text.value.trim()) {
      importStatus.error("Choose a CSV file or paste CSV text first.");
      text.focus();
      return;
    }
    try {
      const r = await api<ImportReport>("POST", "/api/v1/users/import", text.value, { contentType: "text/csv" });
      importStatus.ok(`Import done: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.errors.length} row${r.errors.length === 1 ? "" : "s"} refused.`);
      replace(
        reportBox,
        r.errors.length === 0
          ? h("p", { class: "ok" }, "Every row was imported.")
          : h(
              "table",
              { class: "data", id: "import-errors" },
              h("caption", {}, "Rows not imported (nothing of them was written)"),
              h("thead", {}, h("tr", {}, ["Line", "Username", "Reason"].map((t) => h("th", { scope: "col" }, t)))),
              h("tbody", {}, r.errors.map((x) => h("tr", { "data-line": x.line }, h("td", {}, String(x.line)), h("td", {}, x.username ?? "—"), h("td", {}, x.reason)))),
            ),
      );
      await draw();
    } catch (err) {
      replace(reportBox);
      importStatus.error(`The file was not imported: ${messageOf(err)}`);
    }
  };

  replace(
    ctx.app,
    section(
      "Users",
      { id: "users", tools: [h("button", { type: "button", id: "add-user", onclick: () => openEditor(null) }, "Add user"), reloadButton(draw)] },
      h("div", { class: "field inline-search" }, h("label", { for: "user-search" }, "Search"), search),
      listStatus.el,
      editorBox,
      listBox,
    ),
    section(
      "Import from CSV",
      { id: "csv-import" },
      h(
        "form",
        { id: "csv-form", novalidate: true, onsubmit: runImport },
        h("p", { class: "help", id: "csv-help" }, "A header row, then one user per line. Columns: username, displayName, firstExtension, sipUri, voicemailNumber (any order). Good rows are saved; bad rows are listed with their line and reason and nothing of them is written."),
        h("div", { class: "field" }, h("label", { for: "csv-file" }, "CSV file"), file),
        h("div", { class: "field" }, h("label", { for: "csv-text" }, "…or CSV text"), text),
        h("div", { class: "form-actions" }, h("button", { type: "submit", id: "csv-import-button" }, "Import")),
        importStatus.el,
        reportBox,
      ),
    ),
  );
  await draw();
  ctx.live.on((change) => {
    if (change.kind === "directory" && !editorBox.contains(document.activeElement)) void draw();
  });
}

void startPage(render);

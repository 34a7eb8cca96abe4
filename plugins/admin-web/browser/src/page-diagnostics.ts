import { api, messageOf } from "./api.js";
import { formatTime, h, replace, statusLine } from "./dom.js";
import { CONNECTOR_STATUS_EXPLANATION, CONNECTOR_STATUS_LABEL, isNegativeConnectorStatus, presenceLabel, STATUS_GROUPS } from "./labels.js";
import { presenceBadge, presenceCell } from "./presence-cell.js";
import { reloadButton, section, startPage, type PageContext } from "./shell.js";
import { noteText, type ConnectorView, type TraceEntryView, type UserView } from "./types.js";

/** Rows shown at most; the filters narrow it down. */
const PAGE_SIZE = 500;
/** Live changes to more users than this re-read the whole table instead of row by row. */
const ROW_REFRESH_LIMIT = 20;

function statusFilter(id: string, label: string, field: "telephony" | "rich", onChange: () => void): HTMLElement {
  const groups = STATUS_GROUPS[field];
  const select = h(
    "select",
    { id, onchange: onChange },
    h("option", { value: "" }, "Any"),
    h("optgroup", { label: "Standard" }, groups.standard.map((s) => h("option", { value: s }, presenceLabel(s))), field === "telephony" ? h("option", { value: "forwarded" }, "Forwarded (either)") : null),
    h("optgroup", { label: "Error" }, h("option", { value: "errors" }, "Any error"), groups.error.map((s) => h("option", { value: s }, presenceLabel(s)))),
    h("optgroup", { label: "Service status" }, h("option", { value: "service" }, "Any service status"), groups.service.map((s) => h("option", { value: s }, presenceLabel(s)))),
  );
  return h("div", { class: "field" }, h("label", { for: id }, label), select);
}


/** Diagnostics: connector status, the users table with filters and provenance, the test subscription with its trace. */
async function render(ctx: PageContext): Promise<void> {
  let connectors: ConnectorView[] = [];
  const connectorsBox = h("div", { id: "connector-status" });
  const tableBox = h("div", { id: "users-box" });
  const count = h("p", { class: "muted", id: "users-count", role: "status", "aria-live": "polite" });
  const rows = new Map<string, HTMLTableRowElement>();
  const subscribed = new Map<string, number>();

  // ─── connector status ───────────────────────────────────────────────────────────────────
  async function loadConnectors(): Promise<void> {
    connectors = (await api<{ connectors: ConnectorView[] }>("GET", "/api/v1/connectors")).connectors;
    if (connectors.length === 0) {
      replace(connectorsBox, h("p", { class: "notice" }, "No connector is configured. ", ctx.isAdmin ? h("a", { href: "/admin/configuration" }, "Add one in Configuration.") : "An admin adds them in Configuration."));
      return;
    }
    replace(
      connectorsBox,
      h(
        "table",
        { class: "data", id: "connectors-status-table" },
        h("caption", { class: "visually-hidden" }, "Connector status"),
        h("thead", {}, h("tr", {}, ["Connector", "Type", "Status", "Since", "What it means"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          connectors.map((c) => {
            const negative = isNegativeConnectorStatus(c.health.status);
            return h(
              "tr",
              { "data-connector": c.id },
              h("th", { scope: "row" }, c.id),
              h("td", {}, c.type),
              h("td", {}, h("span", { class: `badge ${negative ? "bad" : "good"}`, "data-status": c.health.status }, CONNECTOR_STATUS_LABEL[c.health.status] ?? c.health.status), c.health.status === "up-and-running" ? h("span", { class: "small muted" }, " (Successfully connected)") : null),
              h("td", {}, formatTime(c.health.since)),
              h(
                "td",
                {},
                h("p", { class: "advice" }, CONNECTOR_STATUS_EXPLANATION[c.health.status] ?? c.advice),
                c.health.detail ? h("p", { class: "small muted" }, `Detail: ${c.health.detail}`) : null,
                negative && ctx.isAdmin ? h("a", { href: "/admin/configuration", class: "small" }, `Open the configuration of ${c.id}`) : null,
              ),
            );
          }),
        ),
      ),
    );
  }

  // ─── users table ────────────────────────────────────────────────────────────────────────
  const q = h("input", { id: "filter-user", type: "search", autocomplete: "off", placeholder: "name, extension or SIP URI", maxlength: 200 });
  let debounce: number | undefined;
  q.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => void loadUsers(), 250);
  });
  const richFilter = statusFilter("filter-rich", "Rich presence", "rich", () => void loadUsers());
  const telFilter = statusFilter("filter-telephony", "Telephony presence", "telephony", () => void loadUsers());
  const richSelect = richFilter.querySelector("select")!;
  const telSelect = telFilter.querySelector("select")!;
  const filtered = () => Boolean(q.value.trim() || richSelect.value || telSelect.value);

  function userRow(u: UserView, open: ReadonlySet<string> = new Set()): HTMLTableRowElement {
    const note = noteText(u.note);
    const until = subscribed.get(u.username);
    const active = until !== undefined && until > Date.now();
    return h(
      "tr",
      { "data-user": u.username },
      h("th", { scope: "row", class: "user-cell" }, h("span", { class: "display-name" }, u.displayName), h("span", { class: "username muted" }, u.username), note ? h("p", { class: "note", "data-note": "" }, h("span", { class: "visually-hidden" }, "Note: "), note) : null),
      h("td", { "data-col": "rich" }, presenceCell(u, "rich", open.has("rich"))),
      h("td", { "data-col": "telephony" }, presenceCell(u, "telephony", open.has("telephony"))),
      ctx.isAdmin
        ? h(
            "td",
            { class: "actions" },
            h("button", { type: "button", class: "secondary", "data-action": "subscribe", "aria-label": `Subscribe ${u.username} for one minute`, onclick: () => void subscribe(u.username) }, active ? "Subscribe again" : "Subscribe"),
            active ? h("span", { class: "small muted" }, ` until ${formatTime(until)}`) : null,
          )
        : null,
    );
  }

  async function loadUsers(): Promise<void> {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), order: "username" });
    if (q.value.trim()) params.set("q", q.value.trim());
    // Statuses and the server's groups (`errors`) go to the API as they are.
    if (richSelect.value) params.set("rich", richSelect.value);
    if (telSelect.value) params.set("telephony", telSelect.value);
    const { total, users } = await api<{ total: number; users: UserView[] }>("GET", `/api/v1/users?${params}`);
    rows.clear();
    const body = h("tbody", {}, users.map((u) => {
      const r = userRow(u);
      rows.set(u.username, r);
      return r;
    }));
    count.textContent = total > users.length ? `Showing ${users.length} of ${total} users: narrow the filters to see the others.` : `${total} user${total === 1 ? "" : "s"}${filtered() ? " match the filters" : ""}.`;
    replace(
      tableBox,
      users.length === 0
        ? h("p", { class: "muted", id: "users-empty" }, filtered() ? "No user matches the filters." : "No users yet.")
        : h(
            "table",
            { class: "data users-table", id: "users-table" },
            h("caption", { class: "visually-hidden" }, "Users with presence status"),
            h("thead", {}, h("tr", {}, ["User", "Rich presence", "Telephony presence", ctx.isAdmin ? "Action" : null].filter(Boolean).map((t) => h("th", { scope: "col" }, t!)))),
            body,
          ),
    );
  }

  /** Re-reads a few users in place, keeping expanded explanations open. */
  async function refreshRows(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const old = rows.get(name);
      if (!old) continue;
      try {
        const u = await api<UserView>("GET", `/api/v1/users/${encodeURIComponent(name)}`);
        const open = new Set([...old.querySelectorAll<HTMLDetailsElement>("details[open]")].map((d) => d.dataset.field ?? ""));
        const focused = old.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
        const row = userRow(u, open);
        old.replaceWith(row);
        rows.set(name, row);
        if (focused) row.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
      } catch {
        /* deleted meanwhile: the next full reload drops it */
      }
    }
  }

  // ─── the test subscription ──────────────────────────────────────────────────────────────
  const panel = h("div", { id: "test-subscription" }, h("p", { class: "muted" }, "Choose Subscribe on a user: the hub subscribes them for one minute and shows what comes back, with the messages exchanged."));
  const panelStatus = statusLine();
  let current: { username: string; until: number } | null = null;
  let pollTimer: number | undefined;
  const userBox = h("div", { id: "test-user-state" });
  const traceBox = h("div", { id: "trace", "aria-live": "off" });
  const clock = h("p", { class: "small", id: "test-until" });

  async function subscribe(username: string): Promise<void> {
    panelStatus.clear();
    try {
      const r = await api<{ username: string; until: number }>("POST", "/api/v1/diagnostics/subscriptions", { username });
      subscribed.set(username, r.until);
      current = { username, until: r.until };
      replace(panel, h("h3", {}, "Test subscription: ", h("span", { "data-test-user": username }, username)), clock, userBox, h("h4", {}, "Message trace"), traceBox);
      panelStatus.ok(`Subscribed ${username} for one minute.`);
      await refreshRows([username]);
      await refreshPanel();
      clearInterval(pollTimer);
      pollTimer = window.setInterval(() => void refreshPanel(), 1500);
    } catch (e) {
      panelStatus.error(messageOf(e));
    }
  }

  async function refreshPanel(): Promise<void> {
    if (!current) return;
    const { username, until } = current;
    const left = Math.round((until - Date.now()) / 1000);
    clock.textContent = left > 0 ? `Subscribed until ${formatTime(until)} (${left} s left).` : `The test subscription ended at ${formatTime(until)}.`;
    try {
      const u = await api<UserView>("GET", `/api/v1/users/${encodeURIComponent(username)}`);
      replace(
        userBox,
        h(
          "dl",
          { class: "state-list" },
          h("dt", {}, "Rich presence"),
          h("dd", { "data-test-field": "rich" }, presenceBadge(u.rich.status), u.rich.message ? h("span", { class: "presence-extra" }, u.rich.message) : null, h("span", { class: "small muted" }, ` from ${u.rich.source}`)),
          h("dt", {}, "Telephony presence"),
          h("dd", { "data-test-field": "telephony" }, presenceBadge(u.telephony.status), h("span", { class: "small muted" }, ` from ${u.telephony.source}`)),
        ),
      );
      const traces = await Promise.all(
        connectors.map(async (c) => ({ id: c.id, entries: await api<{ messages: TraceEntryView[] }>("GET", `/api/v1/connectors/${encodeURIComponent(c.id)}/trace?username=${encodeURIComponent(username)}&limit=50`).then((r) => r.messages, () => [] as TraceEntryView[]) })),
      );
      const openKeys = new Set([...traceBox.querySelectorAll<HTMLDetailsElement>("details[open]")].map((d) => d.dataset.key));
      replace(
        traceBox,
        traces.every((t) => t.entries.length === 0)
          ? h("p", { class: "muted" }, "No messages yet.")
          : traces
              .filter((t) => t.entries.length)
              .map((t) =>
                h(
                  "div",
                  { class: "trace-connector", "data-trace-connector": t.id },
                  h("h5", {}, t.id),
                  h(
                    "ol",
                    { class: "trace-list" },
                    t.entries.map((m) => {
                      const key = `${t.id}|${m.at}|${m.direction}|${m.text.length}`;
                      const first = m.text.split("\r\n", 1)[0] ?? "";
                      return h(
                        "li",
                        {},
                        h(
                          "details",
                          { "data-key": key, open: openKeys.has(key) },
                          h("summary", {}, h("span", { class: `dir ${m.direction}` }, m.direction === "out" ? "→ sent" : "← received"), ` ${formatTime(m.at)} `, h("code", { class: "trace-first" }, first), h("span", { class: "small muted" }, ` ${m.direction === "out" ? "to" : "from"} ${m.remote}`)),
                          h("pre", { class: "trace-text" }, m.text),
                        ),
                      );
                    }),
                  ),
                ),
              ),
      );
    } catch (e) {
      panelStatus.error(messageOf(e));
    }
    if (left < -5) clearInterval(pollTimer);
  }

  const reloadAll = async () => {
    await Promise.all([loadConnectors(), loadUsers()]);
    await refreshPanel();
  };

  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter users", onsubmit: (e: Event) => { e.preventDefault(); void loadUsers(); } },
    h("div", { class: "field" }, h("label", { for: "filter-user" }, "User"), q),
    richFilter,
    telFilter,
    h("div", { class: "field filter-actions" }, h("button", { type: "button", class: "secondary", id: "clear-filters", onclick: () => { q.value = ""; richSelect.value = ""; telSelect.value = ""; void loadUsers(); } }, "Clear filters")),
  );

  replace(
    ctx.app,
    section("Connector status", { id: "connectors", tools: [reloadButton(reloadAll)] }, connectorsBox),
    h(
      "div",
      { class: ctx.isAdmin ? "diag-layout" : "" },
      section("Users", { id: "users", tools: [reloadButton(reloadAll)], intro: "Open a status to see where it comes from. The table updates live; Reload re-reads everything." }, filters, count, tableBox),
      ctx.isAdmin ? h("aside", { class: "card", "aria-labelledby": "test-heading" }, h("h2", { id: "test-heading" }, "Test subscription"), panelStatus.el, panel) : null,
    ),
  );
  await reloadAll();

  ctx.live.on((change) => {
    if (change.kind === "connectors") void loadConnectors();
    if (change.kind === "users") {
      const names = change.names;
      if (!names || filtered() || names.length > ROW_REFRESH_LIMIT || names.some((n) => !rows.has(n) && rows.size < PAGE_SIZE)) void loadUsers();
      else void refreshRows(names);
      if (current && (!names || names.includes(current.username))) void refreshPanel();
    }
  });
}

void startPage(render);

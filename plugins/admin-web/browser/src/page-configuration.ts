import { api, ApiError, messageOf } from "./api.js";
import { h, replace, statusLine, uid } from "./dom.js";
import { TYPE_HINTS } from "./field-help.js";
import { CONNECTOR_STATUS_LABEL, isNegativeConnectorStatus } from "./labels.js";
import { SchemaForm } from "./schema-form.js";
import { reloadButton, section, startPage, type PageContext } from "./shell.js";
import type { ConnectorTypeView, ConnectorView, SettingView } from "./types.js";

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const PILOT_PATTERN = /^\+?[0-9*#]{1,32}$/;

interface State {
  connectors: ConnectorView[];
  types: ConnectorTypeView[];
  settings: Map<string, SettingView>;
}

async function load(): Promise<State> {
  const [c, t, s] = await Promise.all([
    api<{ connectors: ConnectorView[] }>("GET", "/api/v1/connectors"),
    api<{ types: ConnectorTypeView[] }>("GET", "/api/v1/connector-types"),
    api<{ settings: SettingView[] }>("GET", "/api/v1/settings"),
  ]);
  return { connectors: c.connectors, types: t.types, settings: new Map(s.settings.map((x) => [x.key, x])) };
}

function saveSetting(key: string, value: unknown): Promise<unknown> {
  return api("PUT", `/api/v1/settings/${encodeURIComponent(key)}`, { value });
}

/** Presence → Configuration: connectors, the preferred server and fallback order, the voicemail pilot, "monitor everyone". */
async function render(ctx: PageContext): Promise<void> {
  let state = await load();
  const settingsBox = h("div");
  const connectorsBox = h("div");
  const editorBox = h("div", { id: "connector-editor" });

  const refresh = async () => {
    state = await load();
    drawSettings();
    drawConnectors();
  };

  // ─── settings ───────────────────────────────────────────────────────────────────────────
  function connectorSelect(id: string, key: string, label: string, help: string): HTMLElement {
    const setting = state.settings.get(key);
    const status = statusLine();
    const select = h(
      "select",
      {
        id,
        "aria-describedby": `${id}-help`,
        onchange: async () => {
          status.clear();
          try {
            await saveSetting(key, select.value || null);
            status.ok(select.value ? `Saved: ${select.value} is preferred. Applied at once.` : "Saved: no preferred server. Applied at once.");
          } catch (e) {
            status.error(messageOf(e));
          }
        },
      },
      h("option", { value: "" }, "(none)"),
      state.connectors.map((c) => h("option", { value: c.id, selected: setting?.value === c.id }, `${c.id} (${c.type})`)),
    );
    return h("div", { class: "field" }, h("label", { for: id }, label), select, h("p", { class: "help", id: `${id}-help` }, help), status.el);
  }

  function drawSettings(): void {
    const parts: Node[] = [];
    if (state.settings.has("presence.preferredServer")) {
      parts.push(connectorSelect("preferred-server", "presence.preferredServer", "Preferred presence server", "When presence servers disagree about a user, this server's answer is shown."));
    }
    const perField = ["presence.preferredTelephonyServer", "presence.preferredRichServer"].filter((k) => state.settings.has(k));
    if (perField.length) {
      parts.push(
        h(
          "details",
          { class: "advanced" },
          h("summary", {}, "Preferred server per kind of presence"),
          state.settings.has("presence.preferredTelephonyServer") ? connectorSelect("preferred-telephony", "presence.preferredTelephonyServer", "Telephony", "Overrides the preferred server for telephony presence.") : null,
          state.settings.has("presence.preferredRichServer") ? connectorSelect("preferred-rich", "presence.preferredRichServer", "Rich presence", "Overrides the preferred server for rich presence.") : null,
        ),
      );
    }
    if (state.settings.has("presence.fallbackOrder")) parts.push(fallbackOrder());
    if (state.settings.has("telephony.voicemailPilot")) parts.push(voicemailPilot());
    if (state.settings.has("presence.monitorAll")) parts.push(monitorAll());
    replace(settingsBox, parts);
  }

  function fallbackOrder(): HTMLElement {
    const listed = (state.settings.get("presence.fallbackOrder")?.value as string[] | undefined) ?? [];
    const ids = state.connectors.map((c) => c.id);
    const order = [...listed.filter((id) => ids.includes(id)), ...ids.filter((id) => !listed.includes(id))];
    const status = statusLine();
    const move = async (index: number, delta: number) => {
      const next = [...order];
      const [item] = next.splice(index, 1);
      next.splice(index + delta, 0, item!);
      try {
        await saveSetting("presence.fallbackOrder", next);
        await refresh();
        const moved = document.querySelector<HTMLButtonElement>(`[data-fallback="${item}"][data-dir="${delta < 0 ? "up" : "down"}"]`);
        (moved && !moved.disabled ? moved : document.querySelector<HTMLButtonElement>(`[data-fallback="${item}"]:not([disabled])`))?.focus();
      } catch (e) {
        status.error(messageOf(e));
      }
    };
    return h(
      "div",
      { class: "field" },
      h("h3", { id: "fallback-heading" }, "Fallback order"),
      h("p", { class: "help" }, "When the preferred server has no answer for a user (not subscribed, error), the next server in this order is used."),
      order.length === 0
        ? h("p", { class: "muted" }, "No connectors yet.")
        : h(
            "ol",
            { class: "order-list", "aria-labelledby": "fallback-heading" },
            order.map((id, i) =>
              h(
                "li",
                {},
                h("span", { class: "order-name" }, id),
                h("button", { type: "button", class: "icon secondary", "data-fallback": id, "data-dir": "up", disabled: i === 0, "aria-label": `Move ${id} up`, onclick: () => void move(i, -1) }, "↑"),
                h("button", { type: "button", class: "icon secondary", "data-fallback": id, "data-dir": "down", disabled: i === order.length - 1, "aria-label": `Move ${id} down`, onclick: () => void move(i, 1) }, "↓"),
              ),
            ),
          ),
      status.el,
    );
  }

  function voicemailPilot(): HTMLElement {
    const value = state.settings.get("telephony.voicemailPilot")?.value;
    const status = statusLine();
    const input = h("input", { id: "voicemail-pilot", type: "text", inputmode: "tel", value: typeof value === "string" ? value : "", "aria-describedby": "voicemail-pilot-help voicemail-pilot-status", autocomplete: "off" });
    status.el.id = "voicemail-pilot-status";
    const form = h(
      "form",
      {
        class: "inline-form",
        novalidate: true,
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const v = input.value.trim();
          if (v && !PILOT_PATTERN.test(v)) {
            input.setAttribute("aria-invalid", "true");
            status.error("The voicemail pilot must be a dial string of digits (optional leading +, * and #).");
            input.focus();
            return;
          }
          input.removeAttribute("aria-invalid");
          try {
            await saveSetting("telephony.voicemailPilot", v || null);
            status.ok(v ? `Saved: forwards to ${v} show as "Forwarded to voice mail". Applied at once.` : "Saved: no voicemail pilot.");
          } catch (err) {
            status.error(messageOf(err));
          }
        },
      },
      h("label", { for: "voicemail-pilot" }, "Voicemail pilot"),
      input,
      h("button", { type: "submit" }, "Save"),
    );
    return h("div", { class: "field" }, form, h("p", { class: "help", id: "voicemail-pilot-help" }, "The system voicemail number (e.g. a third-party voicemail's pilot). A forward to it, or to the user's own voicemail number, is shown as forwarded to voice mail. Changes apply at once."), status.el);
  }

  function monitorAll(): HTMLElement {
    const status = statusLine();
    const box = h("input", {
      id: "monitor-all",
      type: "checkbox",
      checked: state.settings.get("presence.monitorAll")?.value === true,
      "aria-describedby": "monitor-all-help",
      onchange: async () => {
        try {
          await saveSetting("presence.monitorAll", box.checked);
          status.ok(box.checked ? "Saved: everyone is monitored." : "Saved: users are monitored only while someone looks at them.");
        } catch (e) {
          status.error(messageOf(e));
          box.checked = !box.checked;
        }
      },
    });
    return h(
      "div",
      { class: "field field-check" },
      h("label", { class: "inline", for: "monitor-all" }, box, " Monitor everyone"),
      h("p", { class: "help", id: "monitor-all-help" }, "Subscribe every configured user all the time, not only while a console or a diagnostics test looks at them."),
      status.el,
    );
  }

  // ─── connectors ─────────────────────────────────────────────────────────────────────────
  const listStatus = statusLine();

  async function put(c: ConnectorView, changes: Partial<Pick<ConnectorView, "enabled">>): Promise<void> {
    await api("PUT", `/api/v1/connectors/${encodeURIComponent(c.id)}`, { type: c.type, enabled: changes.enabled ?? c.enabled, position: c.position, settings: c.settings });
  }

  function drawConnectors(): void {
    if (state.connectors.length === 0) {
      replace(connectorsBox, h("p", { class: "muted" }, "No connectors yet. Add one to connect a PBX or presence server."));
      return;
    }
    const rows = state.connectors.map((c) => {
      const toggle = async () => {
        listStatus.clear();
        try {
          await put(c, { enabled: !c.enabled });
          listStatus.ok(`${c.id} ${c.enabled ? "disabled" : "enabled"}; applied at once.`);
          await refresh();
        } catch (e) {
          listStatus.error(messageOf(e));
        }
      };
      const remove = async () => {
        if (!confirm(`Delete connector "${c.id}"? Its users fall back to the other sources.`)) return;
        try {
          await api("DELETE", `/api/v1/connectors/${encodeURIComponent(c.id)}`);
          listStatus.ok(`${c.id} deleted.`);
          await refresh();
        } catch (e) {
          listStatus.error(messageOf(e));
        }
      };
      return h(
        "tr",
        { "data-connector": c.id },
        h("td", {}, String(c.position + 1)),
        h("th", { scope: "row" }, c.id),
        h("td", {}, c.type),
        h("td", {}, c.enabled ? "Yes" : "No"),
        h("td", {}, h("span", { class: `badge ${isNegativeConnectorStatus(c.health.status) ? "bad" : "good"}`, "data-status": c.health.status }, CONNECTOR_STATUS_LABEL[c.health.status] ?? c.health.status)),
        h(
          "td",
          { class: "actions" },
          h("button", { type: "button", class: "secondary", "data-action": "edit", "aria-label": `Edit ${c.id}`, onclick: () => openEditor(c) }, "Edit"),
          h("button", { type: "button", class: "secondary", "data-action": c.enabled ? "disable" : "enable", "aria-label": `${c.enabled ? "Disable" : "Enable"} ${c.id}`, onclick: () => void toggle() }, c.enabled ? "Disable" : "Enable"),
          h("button", { type: "button", class: "danger", "data-action": "delete", "aria-label": `Delete ${c.id}`, onclick: () => void remove() }, "Delete"),
        ),
      );
    });
    replace(
      connectorsBox,
      h(
        "table",
        { class: "data", id: "connectors-table" },
        h("caption", { class: "visually-hidden" }, "Configured connectors"),
        h("thead", {}, h("tr", {}, ["#", "Name", "Type", "Enabled", "Status", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows),
      ),
    );
  }

  // ─── the connector editor ───────────────────────────────────────────────────────────────
  function openEditor(existing: ConnectorView | null): void {
    const status = statusLine();
    const isNew = existing === null;
    let type = existing?.type ?? state.types.find((t) => t.type === "sip-simple")?.type ?? state.types[0]?.type ?? "";
    const schemaBox = h("div");
    let form: SchemaForm | null = null;
    const idId = uid("connector-id");
    const idError = h("p", { class: "field-error", id: `${idId}-error`, hidden: true });
    const idInput = h("input", { id: idId, name: "id", required: true, value: existing?.id ?? "", readonly: !isNew, autocomplete: "off", spellcheck: "false", "aria-describedby": `${idId}-help ${idId}-error`, maxlength: 40 });
    const enabled = h("input", { id: "connector-enabled", type: "checkbox", checked: existing ? existing.enabled : true });
    const drawSchema = () => {
      const t = state.types.find((x) => x.type === type);
      if (!t) {
        replace(schemaBox, h("p", { class: "notice error" }, `Connector type "${type}" is not installed.`));
        form = null;
        return;
      }
      const hints = TYPE_HINTS[t.type];
      form = new SchemaForm({
        schema: t.settingsSchema,
        values: existing && existing.type === t.type ? existing.settings : {},
        secrets: t.secretSettings,
        secretsSet: existing && existing.type === t.type ? existing.secretsSet : {},
        hints: hints?.fields ?? {},
        main: hints?.main ?? [],
      });
      replace(schemaBox, h("p", { class: "help" }, t.description), form.element);
    };
    const typeSelect = h(
      "select",
      {
        id: "connector-type",
        disabled: !isNew,
        onchange: () => {
          type = typeSelect.value;
          drawSchema();
        },
      },
      state.types.map((t) => h("option", { value: t.type, selected: t.type === type }, `${t.type} — ${t.description}`)),
    );
    const checkId = (): boolean => {
      const v = idInput.value.trim();
      let message: string | null = null;
      if (!v) message = "Name is required";
      else if (!ID_PATTERN.test(v)) message = "Name must be lower-case letters, digits and -, at most 40 characters";
      else if (isNew && state.connectors.some((c) => c.id === v)) message = `A connector named "${v}" exists already`;
      idError.hidden = !message;
      idError.textContent = message ?? "";
      if (message) idInput.setAttribute("aria-invalid", "true");
      else idInput.removeAttribute("aria-invalid");
      return !message;
    };
    idInput.addEventListener("blur", checkId);
    const save = async (e: Event) => {
      e.preventDefault();
      status.clear();
      const idOk = isNew ? checkId() : true;
      const formOk = form?.validate() ?? false;
      if (!idOk) idInput.focus();
      if (!idOk || !formOk || !form) {
        status.error("Correct the marked fields.");
        return;
      }
      const id = idInput.value.trim();
      const { settings, secrets } = form.collect();
      try {
        const saved = await api<ConnectorView>("PUT", `/api/v1/connectors/${encodeURIComponent(id)}`, {
          type,
          enabled: enabled.checked,
          ...(existing ? { position: existing.position } : {}),
          settings,
          ...(Object.keys(secrets).length ? { secrets } : {}),
        });
        replace(editorBox);
        listStatus.ok(`Saved and applied: ${saved.id} is now "${CONNECTOR_STATUS_LABEL[saved.health.status] ?? saved.health.status}".`);
        await refresh();
        document.querySelector<HTMLElement>(`tr[data-connector="${CSS.escape(saved.id)}"] [data-action="edit"]`)?.focus();
      } catch (err) {
        if (err instanceof ApiError && err.issues.length) {
          const rest = form.showIssues(err.issues);
          status.error(rest.length ? messageOf(new ApiError(400, err.message, rest)) : "The server refused some settings: see the marked fields.");
        } else status.error(messageOf(err));
      }
    };
    drawSchema();
    replace(
      editorBox,
      section(
        isNew ? "Add connector" : `Edit connector ${existing.id}`,
        { id: "editor" },
        h(
          "form",
          { id: "connector-form", novalidate: true, onsubmit: save },
          h(
            "div",
            { class: "form-grid" },
            h("div", { class: "field" }, h("label", { for: "connector-type" }, "Type"), typeSelect),
            h("div", { class: "field" }, h("label", { for: idId }, "Name", h("span", { class: "req", "aria-hidden": "true" }, " *")), idInput, h("p", { class: "help", id: `${idId}-help` }, isNew ? "A short id: lower-case letters, digits, -. Used in the API, the logs and provenance." : "The name cannot change; add a new connector instead."), idError),
            h("div", { class: "field field-check" }, h("label", { class: "inline", for: "connector-enabled" }, enabled, " Enabled"), h("p", { class: "help" }, "Checked: the connector runs and presence is monitored through it.")),
          ),
          schemaBox,
          h("div", { class: "form-actions" }, h("button", { type: "submit", id: "connector-save" }, "Save and apply"), h("button", { type: "button", class: "secondary", onclick: () => replace(editorBox) }, "Cancel")),
          status.el,
        ),
      ),
    );
    editorBox.scrollIntoView({ block: "start" });
    (isNew ? idInput : (editorBox.querySelector("input:not([readonly]), select:not([disabled])") as HTMLElement | null))?.focus();
  }

  drawSettings();
  drawConnectors();
  replace(
    ctx.app,
    h(
      "div",
      { class: "two-col" },
      h(
        "div",
        {},
        section(
          "Connectors",
          { id: "connectors", tools: [h("button", { type: "button", id: "add-connector", onclick: () => openEditor(null) }, "Add connector"), reloadButton(refresh)], intro: "PBXs and presence servers the hub watches. Saving applies at once; no restart." },
          listStatus.el,
          connectorsBox,
        ),
        editorBox,
      ),
      section("Presence settings", { id: "presence-settings" }, settingsBox),
    ),
  );
  ctx.live.on((change) => {
    if (change.kind === "connectors" || change.kind === "settings") {
      void load().then((s) => {
        state = s;
        drawConnectors();
        // Redrawing the settings would reset a field someone is typing in: only when idle.
        if (!settingsBox.contains(document.activeElement)) drawSettings();
      });
    }
  });
}

void startPage(render);

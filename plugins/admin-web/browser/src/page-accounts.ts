import { api, messageOf } from "./api.js";
import { formatTime, h, replace, statusLine } from "./dom.js";
import { reloadButton, section, startPage, type PageContext } from "./shell.js";

interface AccountView {
  readonly name: string;
  readonly role: "admin" | "operator";
}

interface TokenView {
  readonly id: string;
  readonly role: "admin" | "operator";
  readonly label: string;
  readonly createdAt: number;
}

const MIN_PASSWORD = 10;

function roleSelect(id: string, value: "admin" | "operator" = "operator"): HTMLSelectElement {
  return h("select", { id }, h("option", { value: "operator", selected: value === "operator" }, "Operator (diagnostics, read-only)"), h("option", { value: "admin", selected: value === "admin" }, "Admin (everything)"));
}

/** Accounts & tokens: admin and operator accounts, API tokens (shown once). */
async function render(ctx: PageContext): Promise<void> {
  const accountsBox = h("div");
  const tokensBox = h("div");
  const accountStatus = statusLine();
  const tokenStatus = statusLine();
  const newTokenBox = h("div", { id: "new-token" });

  async function drawAccounts(): Promise<void> {
    const { accounts } = await api<{ accounts: AccountView[] }>("GET", "/api/v1/accounts");
    replace(
      accountsBox,
      h(
        "table",
        { class: "data", id: "accounts-table" },
        h("caption", { class: "visually-hidden" }, "Accounts"),
        h("thead", {}, h("tr", {}, ["Name", "Role", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          accounts.map((a) => {
            const pwId = `pw-${a.name}`;
            const pw = h("input", { id: pwId, type: "password", autocomplete: "new-password", minlength: MIN_PASSWORD, class: "narrow" });
            const role = roleSelect(`role-${a.name}`, a.role);
            const change = async (e: Event) => {
              e.preventDefault();
              accountStatus.clear();
              const body: Record<string, string> = {};
              if (pw.value) {
                if (pw.value.length < MIN_PASSWORD) {
                  accountStatus.error(`The new password must have at least ${MIN_PASSWORD} characters.`);
                  pw.focus();
                  return;
                }
                body.password = pw.value;
              }
              if (role.value !== a.role) body.role = role.value;
              if (!Object.keys(body).length) {
                accountStatus.error("Type a new password or choose another role first.");
                return;
              }
              try {
                await api("PUT", `/api/v1/accounts/${encodeURIComponent(a.name)}`, body);
                accountStatus.ok(`${a.name} updated.`);
                await drawAccounts();
              } catch (err) {
                accountStatus.error(messageOf(err));
              }
            };
            const remove = async () => {
              if (!confirm(`Delete the account "${a.name}"? Its sessions end at once.`)) return;
              try {
                await api("DELETE", `/api/v1/accounts/${encodeURIComponent(a.name)}`);
                accountStatus.ok(`${a.name} deleted.`);
                await drawAccounts();
              } catch (err) {
                accountStatus.error(messageOf(err));
              }
            };
            const me = a.name === ctx.session.username;
            return h(
              "tr",
              { "data-account": a.name },
              h("th", { scope: "row" }, a.name, me ? h("span", { class: "small muted" }, " (you)") : null),
              h("td", {}, a.role),
              h(
                "td",
                { class: "actions" },
                h(
                  "form",
                  { class: "inline-form", novalidate: true, onsubmit: change, "aria-label": `Change ${a.name}` },
                  h("label", { for: pwId, class: "small" }, "New password"),
                  pw,
                  h("label", { for: role.id, class: "visually-hidden" }, `Role of ${a.name}`),
                  role,
                  h("button", { type: "submit", class: "secondary" }, "Change"),
                ),
                me ? null : h("button", { type: "button", class: "danger", "aria-label": `Delete ${a.name}`, onclick: () => void remove() }, "Delete"),
              ),
            );
          }),
        ),
      ),
    );
  }

  async function drawTokens(): Promise<void> {
    const { tokens } = await api<{ tokens: TokenView[] }>("GET", "/api/v1/tokens");
    replace(
      tokensBox,
      tokens.length === 0
        ? h("p", { class: "muted" }, "No API tokens.")
        : h(
            "table",
            { class: "data", id: "tokens-table" },
            h("caption", { class: "visually-hidden" }, "API tokens"),
            h("thead", {}, h("tr", {}, ["Id", "Label", "Role", "Created", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              tokens.map((t) =>
                h(
                  "tr",
                  { "data-token": t.id },
                  h("th", { scope: "row" }, h("code", {}, t.id)),
                  h("td", {}, t.label || "—"),
                  h("td", {}, t.role),
                  h("td", {}, formatTime(t.createdAt)),
                  h(
                    "td",
                    { class: "actions" },
                    h(
                      "button",
                      {
                        type: "button",
                        class: "danger",
                        "aria-label": `Revoke token ${t.id}`,
                        onclick: async () => {
                          if (!confirm(`Revoke token ${t.id}${t.label ? ` (${t.label})` : ""}? Programs using it are refused from now on.`)) return;
                          try {
                            await api("DELETE", `/api/v1/tokens/${encodeURIComponent(t.id)}`);
                            tokenStatus.ok(`Token ${t.id} revoked.`);
                            await drawTokens();
                          } catch (err) {
                            tokenStatus.error(messageOf(err));
                          }
                        },
                      },
                      "Revoke",
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  // ─── forms ──────────────────────────────────────────────────────────────────────────────
  const name = h("input", { id: "account-name", autocomplete: "off", maxlength: 64, required: true, "aria-describedby": "account-name-help" });
  const password = h("input", { id: "account-password", type: "password", autocomplete: "new-password", minlength: MIN_PASSWORD, required: true, "aria-describedby": "account-password-help" });
  const role = roleSelect("account-role");
  const addAccount = async (e: Event) => {
    e.preventDefault();
    accountStatus.clear();
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name.value.trim())) {
      accountStatus.error("The name must be 1-64 letters, digits, . _ @ -.");
      name.focus();
      return;
    }
    if (password.value.length < MIN_PASSWORD) {
      accountStatus.error(`The password must have at least ${MIN_PASSWORD} characters.`);
      password.focus();
      return;
    }
    try {
      await api("POST", "/api/v1/accounts", { name: name.value.trim(), password: password.value, role: role.value });
      accountStatus.ok(`Account ${name.value.trim()} added.`);
      name.value = "";
      password.value = "";
      await drawAccounts();
    } catch (err) {
      accountStatus.error(messageOf(err));
    }
  };

  const label = h("input", { id: "token-label", maxlength: 100, autocomplete: "off", "aria-describedby": "token-label-help" });
  const tokenRole = roleSelect("token-role");
  const createToken = async (e: Event) => {
    e.preventDefault();
    tokenStatus.clear();
    try {
      const r = await api<{ token: string; info: TokenView }>("POST", "/api/v1/tokens", { role: tokenRole.value, label: label.value.trim() });
      label.value = "";
      const field = h("input", { id: "new-token-value", readonly: true, value: r.token, class: "token-value", "aria-describedby": "new-token-help", spellcheck: "false" });
      const copy = h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: async () => {
            field.select();
            try {
              await navigator.clipboard.writeText(r.token);
              copy.textContent = "Copied";
            } catch {
              copy.textContent = "Select and copy it (Ctrl+C)";
            }
          },
        },
        "Copy",
      );
      replace(
        newTokenBox,
        h(
          "div",
          { class: "notice ok", role: "alert" },
          h("label", { for: "new-token-value" }, `New ${r.info.role} token ${r.info.id}`),
          h("div", { class: "inline-form" }, field, copy),
          h("p", { id: "new-token-help", class: "small" }, "Copy it now: it is shown only this once and stored only as a hash."),
          h("button", { type: "button", class: "secondary", onclick: () => replace(newTokenBox) }, "Done"),
        ),
      );
      field.focus();
      field.select();
      await drawTokens();
    } catch (err) {
      tokenStatus.error(messageOf(err));
    }
  };

  replace(
    ctx.app,
    section(
      "Accounts",
      { id: "accounts", tools: [reloadButton(drawAccounts)], intro: "People who sign in here. Admins change everything; operators see Diagnostics read-only." },
      accountStatus.el,
      accountsBox,
      h(
        "form",
        { id: "account-form", class: "form-grid", novalidate: true, onsubmit: addAccount },
        h("div", { class: "field" }, h("label", { for: "account-name" }, "Name"), name, h("p", { class: "help", id: "account-name-help" }, "1-64 letters, digits, . _ @ -")),
        h("div", { class: "field" }, h("label", { for: "account-password" }, "Password"), password, h("p", { class: "help", id: "account-password-help" }, `At least ${MIN_PASSWORD} characters; stored only as a scrypt hash.`)),
        h("div", { class: "field" }, h("label", { for: "account-role" }, "Role"), role),
        h("div", { class: "field form-actions" }, h("button", { type: "submit", id: "add-account" }, "Add account")),
      ),
    ),
    section(
      "API tokens",
      { id: "tokens", tools: [reloadButton(drawTokens)], intro: "For programs (consoles, scripts, the CLI's services command): send as Authorization: Bearer <token>." },
      tokenStatus.el,
      newTokenBox,
      tokensBox,
      h(
        "form",
        { id: "token-form", class: "form-grid", novalidate: true, onsubmit: createToken },
        h("div", { class: "field" }, h("label", { for: "token-label" }, "Label"), label, h("p", { class: "help", id: "token-label-help" }, "What the token is for, e.g. reception console.")),
        h("div", { class: "field" }, h("label", { for: "token-role" }, "Role"), tokenRole),
        h("div", { class: "field form-actions" }, h("button", { type: "submit", id: "create-token" }, "Create token")),
      ),
    ),
  );
  await Promise.all([drawAccounts(), drawTokens()]);
}

void startPage(render, { live: false });

/** A page of the admin UI: `/admin/<id>`, driven by the browser module `page-<id>.js`. */
export interface AdminPage {
  readonly id: string;
  readonly title: string;
  /** Operators may open it (read-only); otherwise admins only. */
  readonly operators: boolean;
  /** Navigation group, as in the reference's Admin → Presence tabs. */
  readonly group: "Presence" | "Administration";
}

/** Every page, in navigation order. */
export const ADMIN_PAGES: readonly AdminPage[] = [
  { id: "configuration", title: "Configuration", operators: false, group: "Presence" },
  { id: "diagnostics", title: "Diagnostics", operators: true, group: "Presence" },
  { id: "services", title: "Manage Services", operators: false, group: "Presence" },
  { id: "users", title: "Users", operators: false, group: "Administration" },
  { id: "accounts", title: "Accounts & tokens", operators: false, group: "Administration" },
];

/** Where `/admin` leads a role. */
export function homePage(role: "admin" | "operator"): AdminPage {
  return ADMIN_PAGES.find((p) => (role === "admin" ? p.id === "configuration" : p.id === "diagnostics"))!;
}

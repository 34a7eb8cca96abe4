import { definePlugin, Tokens } from "@presence-hub/core";
import { ContactLists } from "./contacts/contact-lists.js";
import { contactMigrations } from "./contacts/contact-migrations.js";
import { registerContactRoutes } from "./contacts/contact-routes.js";
import { AdminEventFeed } from "./live/admin-event-feed.js";
import { registerAdminEventRoutes } from "./live/admin-event-routes.js";
import { registerConsoleRoutes } from "./pages/console-routes.js";
import { registerPageRoutes } from "./pages/page-routes.js";
import { registerAccountRoutes } from "./routes/account-routes.js";
import { registerConnectorAdminRoutes } from "./routes/connector-admin-routes.js";
import { registerTokenRoutes } from "./routes/token-routes.js";
import { registerUserAdminRoutes } from "./routes/user-admin-routes.js";
import { registerSecurityHeaders } from "./security-headers.js";
import { StaticAssets } from "./static-assets.js";

/**
 * The web UI: the attendant console at `/console` (search, personal contact lists, live
 * presence over the console stream, notes) and the admin pages under `/admin` (login, Presence →
 * Configuration, Diagnostics, Manage Services, Users, Accounts & tokens), the JSON routes they
 * need, and the admin pages' live feed. Built on the core's sessions (cookie + CSRF header) and
 * API; see the README.
 */
export default definePlugin({
  id: "admin-web",
  apiVersion: 1,
  migrations: contactMigrations,
  register(plugin) {
    const c = plugin.container;
    const hub = c.resolve(Tokens.Hub);
    const accounts = c.resolve(Tokens.Accounts);
    const store = c.resolve(Tokens.Store);
    const clock = c.resolve(Tokens.Clock);
    const services = c.resolve(Tokens.Services);
    const feed = new AdminEventFeed(clock);
    const contacts = new ContactLists(c.resolve(Tokens.Database), clock);
    const assets = new StaticAssets();
    if (assets.names().length === 0) plugin.logger.warn("admin-web: no built assets found (run the build); the pages will not work");
    plugin.notifier(feed);
    plugin.notifier({
      name: "console-contacts-user-removal",
      deliver(envelope) {
        const e = envelope.event;
        if (e.type === "user" && e.user === null) {
          contacts.forgetUser(e.username).catch((err: unknown) => plugin.logger.error({ err, user: e.username }, "could not remove a deleted user from the contact lists"));
        }
      },
    });
    services.onChange((info) => feed.serviceChanged(info));
    // Admin changes leave an audit line (who, what; never a value that could be secret).
    const audit = plugin.logger.child({ component: "admin-audit" });
    plugin.http((server) => {
      registerSecurityHeaders(server);
      registerPageRoutes(server, assets);
      registerConsoleRoutes(server);
      registerContactRoutes(server, hub, contacts);
      registerUserAdminRoutes(server, hub, audit);
      registerConnectorAdminRoutes(server, hub, audit);
      registerAccountRoutes(server, accounts, store, audit, (name) => contacts.forgetOwner(name));
      registerTokenRoutes(server, accounts, store, clock, audit);
      registerAdminEventRoutes(server, feed);
    });
    // Open event streams would hold the HTTP server's stop for its whole grace period.
    plugin.service({ name: "live-feed", start: async () => {}, stop: async () => feed.close() });
  },
});
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from "./security-headers.js";
export { ADMIN_PAGES, type AdminPage } from "./pages/admin-pages.js";

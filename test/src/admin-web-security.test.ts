import { expect } from "chai";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { browserAvailable, launchBrowser, type TestBrowser, signIn } from "./support/browser.js";

const ADMIN = { name: "admin", password: "Admin-Pass-5a0c2e" };
/** Two connector passwords: set through `settings`, then replaced through `secrets`. */
const SECRET_1 = "Pw-7f3a91-never-shown";
const SECRET_2 = "Pw-b04c7d-never-shown-either";
const XSS_NAME = `<img src=x onerror="window.__xss=1">Mallory`;
const XSS_NOTE = `<script>window.__xss=2</script><img src=x onerror="window.__xss=3"> back at 3`;

/** The routes this plugin adds under /api/v1 (admin scope unless noted). */
const ADMIN_API: readonly [string, string][] = [
  ["GET", "/api/v1/user-records"],
  ["PUT", "/api/v1/users/alice"],
  ["DELETE", "/api/v1/users/alice"],
  ["POST", "/api/v1/users/import"],
  ["GET", "/api/v1/connector-types"],
  ["PUT", "/api/v1/connectors/sec"],
  ["DELETE", "/api/v1/connectors/sec"],
  ["GET", "/api/v1/accounts"],
  ["POST", "/api/v1/accounts"],
  ["PUT", "/api/v1/accounts/admin"],
  ["DELETE", "/api/v1/accounts/admin"],
  ["GET", "/api/v1/tokens"],
  ["POST", "/api/v1/tokens"],
  ["DELETE", "/api/v1/tokens/abc123"],
];
const PAGES = ["/admin", "/admin/configuration", "/admin/diagnostics", "/admin/services", "/admin/users", "/admin/accounts"];
/** The attendant console and the front door leading to it (same plugin, same headers). */
const CONSOLE_PAGES = ["/", "/console"];

/**
 * Security of the admin UI over HTTP: authentication on every route, CSRF on every change, the
 * connector password in no response and no log line, the CSP and related headers on every admin
 * response, and (in headless Chromium) user names and notes rendered as inert text.
 * Port 25790 (a SIP server address nothing listens on).
 */
describe("Admin web security", function () {
  this.timeout(60_000);
  let hub: TestHub;
  let adminToken: string;
  let operatorToken: string;
  let cookie: string;
  let csrf: string;
  const log: string[] = [];
  const realWrite = process.stderr.write.bind(process.stderr);

  before(async () => {
    // Every log line of the hub (level trace) is kept, not printed, to look for passwords afterwards.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      log.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stderr.write;
    hub = await startTestHub({
      logLevel: "trace",
      config: { users: [{ username: "alice", displayName: "Alice", firstExtension: "1001", sipUri: "sip:alice@127.0.0.1" }] },
    });
    await hub.app.accounts.addAccount(ADMIN.name, ADMIN.password, "admin");
    adminToken = await hub.token("admin");
    operatorToken = await hub.token("operator");
    const res = await fetch(`${hub.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }) });
    cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  });
  after(async () => {
    process.stderr.write = realWrite;
    await hub?.stop();
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => fetch(`${hub.url}${path}`, { method, headers, body, redirect: "manual" });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const json = { "content-type": "application/json" };

  describe("authentication", () => {
    it("refuses every protected route of the hub without a session or token (401), pages redirect to the login page", async () => {
      // Everything but the public ones: health, OpenAPI, login (auth: false) and the login page itself.
      const table = hub.app.server.table().filter((r) => (r.path.startsWith("/api/") || r.path.startsWith("/admin")) && (r.settings.auth as unknown) !== false && r.path !== "/admin/login");
      expect(table.length).to.be.greaterThan(ADMIN_API.length + PAGES.length);
      for (const route of table) {
        const path = route.path.replace(/\{(\w+)\??\}/g, (_m, name: string) => (name === "username" ? "alice" : "x"));
        const attempts: Record<string, string>[] = [{}, { cookie: "ph_session=Fe26.2**forged" }, bearer("phub_not-a-token")];
        for (const headers of attempts) {
          const res = await call(route.method.toUpperCase(), path, { ...headers, ...(route.method === "get" ? {} : json) }, route.method === "get" ? undefined : "{}");
          if (path.startsWith("/admin")) {
            expect(res.status, `${route.method} ${path}`).to.equal(303);
            expect(res.headers.get("location"), `${route.method} ${path}`).to.match(/^\/admin\/login\?next=/);
          } else expect(res.status, `${route.method} ${path} with ${JSON.stringify(headers)}`).to.equal(401);
        }
      }
      for (const page of PAGES) expect(table.some((r) => r.path === page), page).to.equal(true);
      for (const [method, path] of ADMIN_API) expect(table.some((r) => r.method === method.toLowerCase() && path.startsWith(r.path.replace(/\{.*$/, ""))), path).to.equal(true);
    });

    it("refuses the admin routes to operators (403)", async () => {
      for (const [method, path] of ADMIN_API) {
        const type = path.endsWith("/import") ? { "content-type": "text/csv" } : json;
        const res = await call(method, path, { ...bearer(operatorToken), ...type }, method === "GET" || method === "DELETE" ? undefined : path.endsWith("/import") ? "username\nx\n" : "{}");
        expect(res.status, `${method} ${path}`).to.equal(403);
      }
    });

    it("does not accept an API token in place of a browser session for pages", async () => {
      const res = await call("GET", "/admin/configuration", bearer(adminToken));
      expect(res.status).to.equal(303);
    });
  });

  describe("CSRF", () => {
    const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
    it("refuses cookie-session changes without the X-CSRF-Token header, as a cross-site form would send them", async () => {
      const attempts: [string, string, Record<string, string>, string | undefined][] = [
        ["POST", "/api/v1/accounts", formHeaders, "name=mallory&password=mallory-password&role=admin"],
        ["POST", "/api/v1/accounts", json, JSON.stringify({ name: "mallory", password: "mallory-password", role: "admin" })],
        ["POST", "/api/v1/tokens", formHeaders, "role=admin&label=stolen"],
        ["PUT", "/api/v1/users/mallory", formHeaders, "firstExtension=666"],
        ["PUT", "/api/v1/users/mallory", json, JSON.stringify({ firstExtension: "666" })],
        ["DELETE", "/api/v1/users/alice", {}, undefined],
        ["POST", "/api/v1/users/import", { "content-type": "text/plain" }, "username\nmallory2\n"],
        ["PUT", "/api/v1/connectors/evil", json, JSON.stringify({ type: "sip-simple", enabled: true, settings: {} })],
        ["PUT", "/api/v1/settings/presence.monitorAll", json, JSON.stringify({ value: true })],
        ["POST", "/api/v1/services/hub/stop", {}, undefined],
        ["PUT", "/api/v1/me/contacts/alice", {}, undefined],
        ["DELETE", "/api/v1/session", {}, undefined],
      ];
      for (const [method, path, headers, body] of attempts) {
        for (const token of [undefined, "wrong-token"]) {
          const res = await call(method, path, { cookie, ...headers, ...(token ? { "x-csrf-token": token } : {}) }, body);
          // hapi checks the media type before the CSRF check: a form body to a JSON route is
          // refused with 415 even before its missing token is noticed. Either way nothing happens.
          const refused = headers === formHeaders ? [403, 415] : [403];
          expect(res.status, `${method} ${path} (${token ?? "no token"})`).to.be.oneOf(refused);
        }
      }
      expect(hub.app.hub.user("mallory")).to.equal(null);
      expect(hub.app.hub.user("mallory2")).to.equal(null);
      expect(hub.app.hub.user("alice")).to.not.equal(null);
      expect((await hub.app.store.accounts.list()).map((a) => a.username)).to.deep.equal([ADMIN.name]);
      expect((await hub.app.store.tokens.list()).some((t) => t.label === "stolen")).to.equal(false);
      expect(hub.app.services.get("hub").state).to.equal("running");
      expect(await (await call("GET", "/api/v1/me/contacts", { cookie })).json()).to.deep.equal({ contacts: [] });
      // The same change with the header goes through: the refusal was the CSRF check.
      const ok = await call("PUT", "/api/v1/users/mallory", { cookie, "x-csrf-token": csrf, ...json }, JSON.stringify({ firstExtension: "666" }));
      expect(ok.status).to.equal(201);
      expect((await call("DELETE", "/api/v1/users/mallory", { cookie, "x-csrf-token": csrf })).status).to.equal(204);
    });
  });

  describe("connector password", () => {
    const bodies: string[] = [];
    before(async () => {
      const put = async (payload: object) => {
        const res = await call("PUT", "/api/v1/connectors/sec", { cookie, "x-csrf-token": csrf, ...json }, JSON.stringify(payload));
        bodies.push(await res.text());
        expect(res.status, bodies.at(-1)).to.be.oneOf([200, 201]);
      };
      const events = new AbortController();
      const stream = await fetch(`${hub.url}/api/v1/admin/events`, { headers: { cookie }, signal: events.signal });
      const reader = stream.body!.getReader();
      const streamed: string[] = [];
      const pump = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          streamed.push(Buffer.from(value).toString("utf8"));
        }
      })().catch(() => undefined);
      try {
        await put({ type: "sip-simple", enabled: true, settings: { server: "127.0.0.1:25790", protocol: "udp", uri: "hub@127.0.0.1", authId: "hub", password: SECRET_1, domain: "127.0.0.1", t1Ms: 100 } });
        await put({ type: "sip-simple", enabled: true, settings: { server: "127.0.0.1:25790", protocol: "udp", uri: "hub@127.0.0.1", authId: "hub", domain: "127.0.0.1", t1Ms: 100 }, secrets: { password: SECRET_2 } });
        // A test subscription makes the connector send (and log, and trace) SUBSCRIBEs.
        await call("POST", "/api/v1/diagnostics/subscriptions", { ...bearer(adminToken), ...json }, JSON.stringify({ username: "alice" }));
        await waitFor("a streamed connector change", () => streamed.join("").includes("event: connectors"), 10_000);
        for (const path of ["/api/v1/connectors", "/api/v1/connector-types", "/api/v1/settings", "/api/v1/services", "/api/v1/openapi.json", "/api/v1/connectors/sec/trace", "/api/v1/users/alice/presence/explain", "/api/v1/user-records", ...PAGES.slice(1)]) {
          bodies.push(await (await call("GET", path, { cookie })).text());
        }
      } finally {
        events.abort();
        await pump;
      }
      bodies.push(...streamed);
    });

    it("is stored (the connector knows it is set)", () => {
      expect(hub.app.hub.connectorInfo("sec").secretsSet).to.deep.equal({ password: true });
    });

    it("never appears in any response", () => {
      expect(bodies.length).to.be.greaterThan(10);
      for (const body of bodies) {
        expect(body).to.not.contain(SECRET_1);
        expect(body).to.not.contain(SECRET_2);
      }
      expect(bodies.join("\n")).to.contain('"secretsSet":{"password":true}');
    });

    it("never appears in the log, nor does the admin's password", () => {
      const text = log.join("");
      // The audit lines of both saves were captured (setting names, no values).
      expect(text).to.contain('"connector":"sec"').and.to.contain("connector replaced").and.to.contain('"secretsChanged":["password"]');
      expect(text).to.not.contain(SECRET_1);
      expect(text).to.not.contain(SECRET_2);
      expect(text).to.not.contain(ADMIN.password);
    });
  });

  describe("security headers", () => {
    const assets = ["admin.css", "console.css", "favicon.svg", "page-login.js", "page-configuration.js", "page-diagnostics.js", "page-services.js", "page-users.js", "page-accounts.js", "page-console.js", "person-row.js", "note-editor.js", "console-stream.js", "icons.js", "api.js", "dom.js", "no-such-file.js"];

    it("sends a strict CSP, nosniff, no-referrer and no framing on every page, asset, redirect and error under /admin and /console", async () => {
      const responses: [string, Response][] = [];
      for (const p of [...PAGES, ...CONSOLE_PAGES, "/admin/login", "/admin/no-such-page", "/console/no-such-page"]) responses.push([`${p} (session)`, await call("GET", p, { cookie })]);
      for (const p of [...PAGES, ...CONSOLE_PAGES, "/admin/login"]) responses.push([`${p} (anonymous)`, await call("GET", p)]);
      for (const a of assets) responses.push([a, await call("GET", `/admin/assets/${a}`)]);
      for (const [what, res] of responses) {
        const csp = res.headers.get("content-security-policy") ?? "";
        expect(csp, what).to.contain("default-src 'self'").and.to.contain("script-src 'self'").and.to.contain("style-src 'self'").and.to.contain("frame-ancestors 'none'").and.to.contain("object-src 'none'");
        expect(csp, what).to.not.match(/unsafe-inline|unsafe-eval|\*/);
        expect(res.headers.get("x-content-type-options"), what).to.equal("nosniff");
        expect(res.headers.get("referrer-policy"), what).to.equal("no-referrer");
        expect(res.headers.get("x-frame-options"), what).to.equal("DENY");
      }
      expect(responses.find(([w]) => w === "no-such-file.js")![1].status).to.equal(404);
      expect(responses.find(([w]) => w === "page-login.js")![1].headers.get("content-type")).to.match(/^text\/javascript/);
    });

    it("serves pages with no inline script or style, and front-end code that never parses HTML", async () => {
      for (const p of [...PAGES.slice(1), "/console", "/admin/login"]) {
        const html = await (await call("GET", p, { cookie })).text();
        expect(html, p).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
        expect(html, p).to.not.match(/<style|\sstyle=|\son[a-z]+=/i);
      }
      for (const a of assets.filter((x) => x.endsWith(".js") && x !== "no-such-file.js")) {
        const js = await (await call("GET", `/admin/assets/${a}`)).text();
        expect(js, a).to.not.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
      }
    });
  });

  describe("XSS in the browser", () => {
    let browser: TestBrowser;
    before(async () => {
      browserAvailable();
      const put = await call("PUT", "/api/v1/users/mallory", { ...bearer(adminToken), ...json }, JSON.stringify({ displayName: XSS_NAME, firstExtension: "1666" }));
      expect(put.status).to.equal(201);
      const note = await call("PUT", "/api/v1/users/mallory/note", { ...bearer(adminToken), ...json }, JSON.stringify({ text: XSS_NOTE }));
      expect(note.status, await note.text()).to.be.oneOf([200, 201]);
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it("renders hostile user names and notes as inert text on every page that shows them", async () => {
      const tp = await browser.newPage();
      const page = tp.page;
      await tp.goto(`${hub.url}/admin/login?next=${encodeURIComponent("//evil.example/")}`);
      await signIn(page, ADMIN.name, ADMIN.password);
      // `next` pointing elsewhere is ignored: no open redirect after login.
      await page.waitForURL(`${hub.url}/admin/configuration`);
      await tp.goto(`${hub.url}/admin/diagnostics`);
      const row = page.locator('tr[data-user="mallory"]');
      await row.waitFor();
      expect(await row.locator(".display-name").textContent()).to.equal(XSS_NAME);
      expect(await row.locator("[data-note]").textContent()).to.contain(XSS_NOTE);
      await tp.goto(`${hub.url}/admin/users`);
      await page.locator('#users-admin-table tr[data-user="mallory"]').waitFor();
      expect(await page.locator('#users-admin-table tr[data-user="mallory"]').textContent()).to.contain(XSS_NAME);
      for (const sel of ["#app img", "#app script", "#app b"]) expect(await page.locator(sel).count(), sel).to.equal(0);
      expect(await page.evaluate("typeof window.__xss")).to.equal("undefined");
      await tp.goto(`${hub.url}/admin/diagnostics`);
      await page.locator('tr[data-user="mallory"]').waitFor();
      expect(await page.locator("#app img, #app script").count()).to.equal(0);
      expect(await page.evaluate("typeof window.__xss")).to.equal("undefined");
      // The attendant console: search result and contact, name and note.
      await tp.goto(`${hub.url}/console`);
      await page.locator("#search").fill("1666");
      const found = page.locator('#results li[data-user="mallory"]');
      await found.locator(".note-text").waitFor();
      expect(await found.locator(".person-name").textContent()).to.equal(XSS_NAME);
      expect(await found.locator(".note-text").textContent()).to.equal(XSS_NOTE);
      await found.getByRole("button", { name: /^Add .* to my contacts$/ }).click();
      await page.locator('#contacts li[data-user="mallory"] .note-text').waitFor();
      for (const sel of ["#app img", "#app script", "#app b"]) expect(await page.locator(sel).count(), sel).to.equal(0);
      expect(await page.evaluate("typeof window.__xss")).to.equal("undefined");
      expect(tp.problems()).to.deep.equal([]);
    });
  });
});

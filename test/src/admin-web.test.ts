import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { startTestHub, type TestHub, waitFor } from "@presence-hub/core/testing";
import { browserAvailable, launchBrowser, screenshot, TEST_OUTPUT, type TestBrowser, type TestPage, signIn } from "./support/browser.js";
import { KAMAILIO_ACCOUNTS, kamailioAvailable, startKamailio, type KamailioInstance } from "./support/kamailio.js";
import { PresencePublisher } from "./support/sipp.js";

const SHOTS = "admin-web";
const ADMIN = { name: "admin", password: "admin password 1" };
const OPERATOR = { name: "reception", password: "operator password 1" };

/**
 * The admin UI in headless Chromium against a real hub and a real Kamailio: log in, create a
 * SIP connector through the form, watch it come up, run a test subscription (state, live update,
 * trace), filter the users table, change the preferred server, stop and start the connector,
 * import a CSV with a bad row, create a token, log out. A screenshot of each page goes to
 * test-output/admin-web/. Ports 25700-25799 (Kamailio 25700, SIPp 25710).
 */
describe("Admin web UI in headless Chromium", function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(tmpdir(), "ph-admin-"));
  let kam: KamailioInstance;
  let hub: TestHub;
  let browser: TestBrowser;
  let tp: TestPage;
  let page: Page;
  let adminToken: string;

  before(async function () {
    this.timeout(90_000);
    kamailioAvailable({ tls: false });
    browserAvailable();
    // Pictures of failures from an earlier run would read as this run's.
    const shots = path.join(TEST_OUTPUT, SHOTS);
    for (const f of (() => { try { return readdirSync(shots); } catch { return []; } })()) if (f.startsWith("failed-")) rmSync(path.join(shots, f));
    kam = await startKamailio({ ports: { udp: 25700 }, tls: false, parentDir: tmp });
    hub = await startTestHub({
      config: {
        connectors: [{ id: "feed", type: "http-push", listen: "127.0.0.1:0", token: "feed-token-0123456789", sourceClass: "other", fields: ["telephony"] }],
        users: [
          { username: "alice", displayName: "Alice Example", firstExtension: "1001", sipUri: "sip:alice@127.0.0.1", voicemailNumber: "8001" },
          { username: "bob", displayName: "Bob Builder", firstExtension: "1002", sipUri: "sip:bob@127.0.0.1" },
          { username: "carol", displayName: "Carol Singer", firstExtension: "1003" },
        ],
      },
    });
    await hub.app.accounts.addAccount(ADMIN.name, ADMIN.password, "admin");
    await hub.app.accounts.addAccount(OPERATOR.name, OPERATOR.password, "operator");
    adminToken = await hub.token("admin");
    browser = await launchBrowser();
    tp = await browser.newPage();
    page = tp.page;
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
    await kam?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  // A failing step leaves a picture of what the browser showed.
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && page) await screenshot(page, SHOTS, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`).catch(() => undefined);
  });

  const row = (attr: string, value: string) => page.locator(`tr[${attr}="${value}"]`);
  const api = async <T>(p: string): Promise<T> => (await (await fetch(`${hub.url}${p}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as T;

  it("sends a visitor to the login page, refuses a wrong password, then signs in", async () => {
    await tp.goto(`${hub.url}/admin/diagnostics`);
    await page.waitForURL(/\/admin\/login\?next=%2Fadmin%2Fdiagnostics$/);
    await signIn(page, ADMIN.name, "not the password");
    await page.locator("#login-error:not([hidden])").waitFor();
    expect(await page.locator("#login-error").textContent()).to.equal("Wrong user name or password.");
    await screenshot(page, SHOTS, "01-login");
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/admin\/diagnostics$/);
    await page.locator("#users-table").waitFor();
  });

  it("creates a SIP connector pointing at Kamailio from the form; its status turns up-and-running", async () => {
    await tp.goto(`${hub.url}/admin/configuration`);
    await page.locator("#add-connector").click();
    const form = page.locator("#connector-form");
    await form.getByLabel("Type").selectOption("sip-simple");
    await form.getByLabel(/^Name/).fill("kam");
    // Inline validation: a bad address is flagged as soon as the field is left.
    const server = form.getByLabel("Server address");
    await server.fill("not a host:port");
    await server.blur();
    const serverError = form.locator('[data-setting="server"] ~ .field-error, .field:has([data-setting="server"]) .field-error');
    await serverError.first().waitFor({ state: "visible" });
    expect(await serverError.first().textContent()).to.contain("host[:port]");
    expect(await server.getAttribute("aria-invalid")).to.equal("true");
    await server.fill(`127.0.0.1:${kam.ports.udp}`);
    await server.blur();
    await serverError.first().waitFor({ state: "hidden" });
    await form.getByLabel("Protocol").selectOption("udp");
    await form.getByLabel("URI", { exact: true }).fill("hub@127.0.0.1");
    await form.getByLabel("Auth ID").fill(KAMAILIO_ACCOUNTS.hub.username);
    await form.getByLabel("Password", { exact: true }).fill(KAMAILIO_ACCOUNTS.hub.password);
    await form.getByLabel("Domain").fill("127.0.0.1");
    await screenshot(page, SHOTS, "02-configuration-connector-form");
    await page.locator("#connector-save").click();
    const status = row("data-connector", "kam").locator("[data-status]");
    await row("data-connector", "kam").locator('[data-status="up-and-running"]').waitFor({ timeout: 20_000 });
    expect(await status.textContent()).to.equal("UpAndRunning");
    // The password went in, and never comes back: the edit form only says it is set.
    await row("data-connector", "kam").getByRole("button", { name: "Edit kam" }).click();
    expect(await page.locator('[data-secret-state="password"]').textContent()).to.equal("set");
    expect(await page.locator('#connector-form input[name="password"]').inputValue()).to.equal("");
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(hub.app.hub.connectorInfo("kam").health.status).to.equal("up-and-running");
  });

  it("shows connector status with the reference's wording, live, on Diagnostics", async () => {
    await tp.goto(`${hub.url}/admin/diagnostics`);
    const kamRow = page.locator('#connectors-status-table tr[data-connector="kam"]');
    await kamRow.locator('[data-status="up-and-running"]').waitFor();
    expect(await kamRow.textContent()).to.contain("UpAndRunning").and.to.contain("Successfully connected");
    // Live: stopping the connector elsewhere shows on this page without a reload.
    await hub.app.services.stop("connector:kam");
    await kamRow.locator('[data-status="connection-error"], [data-status="disabled"], [data-status="server-not-configured"], [data-status="forbidden"]').first().waitFor().catch(async () => {
      throw new Error(`status after stop: ${await kamRow.textContent()}`);
    });
    await hub.app.services.start("connector:kam");
    await kamRow.locator('[data-status="up-and-running"]').waitFor({ timeout: 20_000 });
  });

  it("runs a test subscription: the user's state arrives live, with provenance and the message trace", async () => {
    const alice = row("data-user", "alice");
    expect(await alice.locator('[data-col="rich"] [data-status]').getAttribute("data-status")).to.equal("not-requested");
    await alice.getByRole("button", { name: "Subscribe alice for one minute" }).click();
    await page.locator('[data-test-user="alice"]').waitFor();
    // Nothing published yet: Kamailio reports alice offline.
    await alice.locator('[data-col="rich"] [data-status="offline"]').waitFor({ timeout: 20_000 });
    const publisher = new PresencePublisher({ server: kam, localPort: 25710, traceDir: tmp, account: KAMAILIO_ACCOUNTS.alice });
    await publisher.publish("away", { note: "Lunch break" });
    await alice.locator('[data-col="rich"] [data-status="away"]').waitFor({ timeout: 20_000 });
    expect(await alice.locator('[data-col="rich"]').textContent()).to.contain("Away").and.to.contain("Lunch break");
    await page.locator('#test-user-state [data-test-field="rich"] [data-status="away"]').waitFor();
    // The trace beside it: the SUBSCRIBE sent and the NOTIFYs received.
    const trace = page.locator('#trace [data-trace-connector="kam"]');
    await trace.locator(".trace-first", { hasText: /^SUBSCRIBE / }).first().waitFor();
    await trace.locator(".trace-first", { hasText: /^NOTIFY / }).first().waitFor();
    await trace.locator("summary").first().click();
    expect(await trace.locator("pre.trace-text").first().textContent()).to.match(/^(SUBSCRIBE|NOTIFY|SIP\/2\.0)/);
    // Provenance: hover title, and the explanation when opened.
    const richSummary = alice.locator('[data-col="rich"] summary');
    expect(await richSummary.getAttribute("title")).to.contain("From kam");
    await richSummary.click();
    await alice.locator(".prov-summary").waitFor();
    expect(await alice.locator(".prov-summary").textContent()).to.contain("away from kam");
    await screenshot(page, SHOTS, "03-diagnostics-test-subscription");
  });

  it("filters the users table by user, rich status and telephony status", async () => {
    const names = async () => page.locator("#users-table tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-user")));
    const shows = (expected: string[]) => waitFor(`users table showing ${expected.join(", ")}`, async () => JSON.stringify((await names()).sort()) === JSON.stringify([...expected].sort()));
    await page.getByLabel("User", { exact: true }).fill("bob");
    await shows(["bob"]);
    await page.locator("#clear-filters").click();
    await shows(["alice", "bob", "carol"]);
    await page.getByLabel("Rich presence").selectOption("user-not-configured");
    await shows(["carol"]);
    await page.getByLabel("Rich presence").selectOption("away");
    await shows(["alice"]);
    await screenshot(page, SHOTS, "04-diagnostics-filtered");
    await page.locator("#clear-filters").click();
    await page.getByLabel("Telephony presence").selectOption("service");
    await shows(["bob", "carol"]);
    await page.locator("#clear-filters").click();
  });

  it("changes the preferred presence server, applied at once", async () => {
    await tp.goto(`${hub.url}/admin/configuration`);
    const select = page.getByLabel("Preferred presence server");
    await select.selectOption("kam");
    await page.getByText("Saved: kam is preferred. Applied at once.").waitFor();
    const { settings } = await api<{ settings: { key: string; value: unknown }[] }>("/api/v1/settings");
    expect(settings.find((s) => s.key === "presence.preferredServer")?.value).to.equal("kam");
    // The fallback order list moves with the keyboard-reachable buttons.
    await page.getByRole("button", { name: "Move kam up" }).click();
    await waitFor("kam first in the fallback order", async () => (await page.locator(".order-list li .order-name").first().textContent()) === "kam");
    expect(hub.app.settings.get("presence.fallbackOrder")).to.deep.equal(["kam", "feed"]);
    await screenshot(page, SHOTS, "05-configuration");
  });

  it("stops and starts a connector in Manage Services", async () => {
    await tp.goto(`${hub.url}/admin/services`);
    const kamRow = row("data-service", "connector:kam");
    await kamRow.locator('[data-state="running"]').waitFor();
    await kamRow.getByRole("button", { name: "Stop connector:kam", exact: true }).click();
    await kamRow.locator('[data-state="stopped"]').waitFor();
    expect(hub.app.services.get("connector:kam").state).to.equal("stopped");
    await screenshot(page, SHOTS, "06-services-stopped");
    await kamRow.getByRole("button", { name: "Start connector:kam", exact: true }).click();
    await kamRow.locator('[data-state="running"]').waitFor({ timeout: 20_000 });
    expect(hub.app.services.get("connector:kam").state).to.equal("running");
    await row("data-service", "hub").locator('[data-state="running"]').waitFor();
    await screenshot(page, SHOTS, "07-services");
  });

  it("imports a CSV with one bad row and reports it by line", async () => {
    await tp.goto(`${hub.url}/admin/users`);
    await page.locator("#users-admin-table").waitFor();
    await page.getByLabel("…or CSV text").fill(["username,displayName,firstExtension,sipUri,voicemailNumber", "dave,Dave Desk,2001,sip:dave@127.0.0.1,8201", "erin,Erin Front,20x1,,", "frank,Frank Floor,2003,,"].join("\n"));
    await page.locator("#csv-import-button").click();
    await page.getByText("Import done: 2 created, 0 updated, 0 unchanged, 1 row refused.").waitFor();
    const bad = page.locator('#import-errors tr[data-line="3"]');
    expect(await bad.textContent()).to.contain("erin").and.to.contain("firstExtension");
    await row("data-user", "dave").waitFor();
    await row("data-user", "frank").waitFor();
    expect(await row("data-user", "erin").count()).to.equal(0);
    // Add and edit by the form: voicemail number included.
    await page.locator("#add-user").click();
    await page.locator("#user-username").fill("gina");
    await page.locator("#user-firstExtension").fill("2004");
    await page.locator("#user-voicemailNumber").fill("8204");
    await page.locator("#user-save").click();
    await row("data-user", "gina").waitFor();
    expect(hub.app.hub.user("gina")).to.include({ firstExtension: "2004", voicemailNumber: "8204" });
    await screenshot(page, SHOTS, "08-users-import");
  });

  it("lists accounts and shows a new API token once", async () => {
    await tp.goto(`${hub.url}/admin/accounts`);
    await row("data-account", OPERATOR.name).waitFor();
    await page.getByLabel("Label").fill("reception console");
    await page.locator("#create-token").click();
    const value = await page.locator("#new-token-value").inputValue();
    expect(value).to.match(/^phub_/);
    const { tokens } = await api<{ tokens: { id: string; label: string }[] }>("/api/v1/tokens");
    await row("data-token", tokens.find((t) => t.label === "reception console")!.id).waitFor();
    await screenshot(page, SHOTS, "09-accounts");
    await tp.goto(`${hub.url}/admin/accounts`);
    await page.locator("#tokens-table").waitFor();
    expect(await page.content()).to.not.contain(value);
  });

  it("sends operators to the attendant console, gives them Diagnostics read-only and refuses them the admin pages", async () => {
    const op = await browser.newPage();
    await op.goto(`${hub.url}/admin/login`);
    await signIn(op.page, OPERATOR.name, OPERATOR.password);
    await op.page.waitForURL(/\/console$/);
    await op.goto(`${hub.url}/admin`);
    await op.page.waitForURL(/\/admin\/diagnostics$/);
    await op.page.locator("#users-table").waitFor();
    expect(await op.page.locator('[data-action="subscribe"]').count()).to.equal(0);
    expect(await op.page.locator("nav a").allTextContents()).to.deep.equal(["Attendant console", "Diagnostics"]);
    const res = await op.page.goto(`${hub.url}/admin/configuration`);
    expect(res?.status()).to.equal(403);
    await screenshot(op.page, SHOTS, "10-operator-diagnostics");
  });

  it("logs out: the session ends and the pages ask for a login again", async () => {
    await tp.goto(`${hub.url}/admin/diagnostics`);
    await page.locator("#users-table").waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/admin\/login$/);
    await tp.goto(`${hub.url}/admin/configuration`);
    await page.waitForURL(/\/admin\/login\?next=/);
    await screenshot(page, SHOTS, "11-logged-out");
  });

  it("ran without script errors or Content-Security-Policy violations", () => {
    // Failed logins and the logout answer 401 on purpose; everything else must be clean.
    expect(tp.problems((t) => !/status of 401/.test(t))).to.deep.equal([]);
  });
});

import { expect } from "chai";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import WebSocket from "ws";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";
import { browserAvailable, CHROMIUM_PATH, screenshot, TestPage, signIn } from "./support/browser.js";
import { generateTlsCertificates, type TlsCertificates } from "./support/tls-certs.js";

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request with Node's own clients: HTTPS trusting only the test CA, or plain HTTP. */
function send(url: string, options: { ca?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(u, { method: options.method ?? "GET", headers: options.headers, ca: options.ca, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * HTTPS for the API, the stream and the admin pages, with a certificate generated for the test
 * by a throwaway CA: the server proves it holds the certificate (clients trust only that CA),
 * sends HSTS, marks the session cookie Secure, redirects plain HTTP from the redirect port, and
 * the admin UI logs in in headless Chromium over HTTPS. Ports 26040-26059 (hub 26040, redirect
 * 26041).
 */
describe("HTTPS", function () {
  this.timeout(90_000);
  const dir = mkdtempSync(path.join(tmpdir(), "ph-https-"));
  const ADMIN = { name: "admin", password: "https admin password 1" };
  let certs: TlsCertificates;
  let hub: TestHub;
  let token: string;

  before(async function () {
    this.timeout(60_000);
    certs = await generateTlsCertificates(path.join(dir, "tls"));
    mkdirSync(path.join(dir, "hub"));
    hub = await startTestHub({
      dir: path.join(dir, "hub"),
      config: {
        http: { port: 26040, host: "127.0.0.1", tls: { cert: certs.certPath, key: certs.keyPath }, redirectHttpPort: 26041 },
        users: [{ username: "alice", displayName: "Alice", firstExtension: "1001" }],
      },
    });
    await hub.app.accounts.addAccount(ADMIN.name, ADMIN.password, "admin");
    token = await hub.token("operator");
  });
  after(async () => {
    await hub?.stop({ keep: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the API over HTTPS with the configured certificate, and HSTS", async () => {
    expect(hub.url).to.equal("https://127.0.0.1:26040");
    const res = await send(`${hub.url}/api/v1/health`, { ca: certs.caCertPem });
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.include({ status: "ok" });
    expect(res.headers["strict-transport-security"]).to.equal("max-age=15552000");
    const users = await send(`${hub.url}/api/v1/users`, { ca: certs.caCertPem, headers: { authorization: `Bearer ${token}` } });
    expect(users.status).to.equal(200);
  });

  it("is refused by a client that does not trust the certificate's CA, and does not speak plain HTTP", async () => {
    let error: Error | null = null;
    await send(`${hub.url}/api/v1/health`).catch((e: Error) => (error = e));
    expect(String(error)).to.match(/self[- ]signed|unable to (get|verify)|certificate/i);
    error = null;
    await send("http://127.0.0.1:26040/api/v1/health").then(
      (r) => expect(r.status).to.not.equal(200),
      (e: Error) => (error = e),
    );
  });

  it("redirects plain HTTP on the redirect port to the same path on HTTPS, with nothing else served", async () => {
    const res = await send("http://127.0.0.1:26041/admin/login?next=%2Fadmin%2Fusers");
    expect(res.status).to.equal(308);
    expect(res.headers.location).to.equal("https://127.0.0.1:26040/admin/login?next=%2Fadmin%2Fusers");
    expect(res.headers["strict-transport-security"]).to.equal(undefined);
    const api = await send("http://127.0.0.1:26041/api/v1/users", { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).to.equal(308);
    expect(api.body).to.not.include("alice");
    const crafted = await send("http://127.0.0.1:26041/", { headers: { host: "evil.example/@x" } });
    expect(crafted.headers.location).to.equal("https://localhost:26040/");
  });

  it("sets the session cookie Secure (and HttpOnly, SameSite=Strict) over HTTPS", async () => {
    const res = await send(`${hub.url}/api/v1/session`, {
      ca: certs.caCertPem,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }),
    });
    expect(res.status).to.equal(200);
    const cookie = ([] as string[]).concat(res.headers["set-cookie"] ?? []).find((c) => c.startsWith("ph_session="));
    expect(cookie).to.be.a("string");
    expect(cookie).to.match(/; Secure/).and.match(/; HttpOnly/).and.match(/; SameSite=Strict/);
  });

  it("streams presence to a console over WSS", async () => {
    const socket = new WebSocket(`${hub.url.replace(/^https/, "wss")}/api/v1/stream`, { ca: certs.caCertPem, headers: { authorization: `Bearer ${token}` } });
    try {
      const first = await new Promise<{ type: string; users: { username: string }[] }>((resolve, reject) => {
        socket.once("open", () => socket.send(JSON.stringify({ watch: ["alice"] })));
        socket.once("message", (data) => resolve(JSON.parse(data.toString()) as { type: string; users: { username: string }[] }));
        socket.once("error", reject);
      });
      expect(first.type).to.equal("snapshot");
      expect(first.users.map((u) => u.username)).to.deep.equal(["alice"]);
    } finally {
      socket.close();
    }
  });

  it("refuses to start with a key that does not match the certificate, naming the key", async () => {
    const other = await generateTlsCertificates(path.join(dir, "other"));
    const bad = await startTestHub({ config: { http: { port: 0, host: "127.0.0.1", tls: { cert: certs.certPath, key: other.keyPath } } } }).then(
      async (h) => {
        await h.stop();
        return null;
      },
      (e: Error & { issues?: { path: string }[] }) => e,
    );
    expect(bad, "start refused").to.not.equal(null);
    expect(bad!.issues?.map((i) => i.path)).to.deep.equal(["http.tls"]);
  });

  describe("in headless Chromium", () => {
    let browser: Browser;
    before(async function () {
      this.timeout(60_000);
      browserAvailable();
      // Trust exactly this server key (its SPKI hash), not every certificate: a wrong
      // certificate would still fail, as it would for a real user.
      const spki = new X509Certificate(readFileSync(certs.certPath)).publicKey.export({ type: "spki", format: "der" });
      const pin = createHash("sha256").update(spki).digest("base64");
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", `--ignore-certificate-errors-spki-list=${pin}`],
        timeout: 30_000,
      });
    });
    after(async () => {
      await browser?.close();
    });

    it("loads the login page over HTTPS and signs in", async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      context.setDefaultTimeout(10_000);
      const tp = new TestPage(await context.newPage());
      const page = tp.page;
      try {
        // Plain HTTP first: the redirect port sends the browser to HTTPS.
        await tp.goto("http://127.0.0.1:26041/admin/login");
        await page.waitForURL("https://127.0.0.1:26040/admin/login");
        await signIn(page, ADMIN.name, ADMIN.password);
        await page.waitForURL((u) => u.protocol === "https:" && u.pathname.startsWith("/admin") && !u.pathname.startsWith("/admin/login"));
        await screenshot(page, "https", "signed-in");
        const cookie = (await context.cookies()).find((c) => c.name === "ph_session");
        expect(cookie, "session cookie").to.not.equal(undefined);
        expect(cookie!.secure).to.equal(true);
        expect(cookie!.httpOnly).to.equal(true);
        expect(await page.evaluate<string>("document.cookie")).to.not.include("ph_session");
        expect(tp.problems()).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  });
});

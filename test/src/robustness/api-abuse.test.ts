import { expect } from "chai";
import { connect } from "node:net";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";
import { PUSH_TOKEN, pushConnector, pushUrl } from "../support/http-push-client.js";
import { recordFault } from "./report.js";

/**
 * API and UI abuse against a real hub: malformed JSON in every shape, wrong types, payloads over
 * each route's limit, path traversal on the static and API routes, brute-force logins, and
 * tokens and sessions with the wrong role on every admin route (read from the router, so a new
 * route is covered without editing this file). Builds on admin-web-security.test.ts (401s,
 * CSRF, headers, XSS) and session.test.ts (the basic throttle) without repeating them.
 */
describe("Robustness: API and UI abuse", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let admin: string;
  let operator: string;
  let operatorCookie: string;
  let operatorCsrf: string;
  const injected = new Map<string, number>();
  const count = (kind: string, n = 1) => injected.set(kind, (injected.get(kind) ?? 0) + n);

  before(async () => {
    hub = await startTestHub({ config: { connectors: [pushConnector("feed")], users: [{ username: "alice", displayName: "Alice", firstExtension: "1001" }] } });
    admin = await hub.token("admin");
    operator = await hub.token("operator");
    await hub.app.accounts.addAccount("op1", "operator-password-1", "operator");
    await hub.app.accounts.addAccount("root1", "admin-password-123", "admin");
    const res = await fetch(`${hub.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "op1", password: "operator-password-1" }) });
    operatorCookie = res.headers.get("set-cookie")!.split(";")[0]!;
    operatorCsrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  });
  after(async () => {
    // Every kind of abuse counts as survived only if the hub still answers afterwards.
    const healthy = (await fetch(`${hub.url}/api/v1/health`)).status === 200;
    for (const [kind, n] of injected) recordFault(kind, { injected: n, survived: healthy ? n : 0 });
    await hub?.stop();
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) => fetch(`${hub.url}${path}`, { method, headers, body, redirect: "manual" });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  /** Admin JSON routes with a body that is fine except for the part under test. */
  const JSON_ROUTES: [string, string, number][] = [
    ["PUT", "/api/v1/users/alice/note", 64 * 1024],
    ["PUT", "/api/v1/users/bob", 16 * 1024],
    ["PUT", "/api/v1/settings/presence.monitorAll", 64 * 1024],
    ["PUT", "/api/v1/connectors/abuse", 1024 * 1024],
    ["POST", "/api/v1/accounts", 1024 * 1024],
    ["POST", "/api/v1/tokens", 1024 * 1024],
    ["POST", "/api/v1/diagnostics/subscriptions", 1024 * 1024],
    ["PUT", "/api/v1/me/contacts/alice", 1024 * 1024],
  ];

  it("answers malformed JSON on every JSON route with 400/415, fast, and keeps serving", async () => {
    const bodies: [string, string | Buffer, string][] = [
      ["truncated", '{"text":"x"', "application/json"],
      ["not JSON", "text=x", "application/json"],
      ["empty", "", "application/json"],
      ["null", "null", "application/json"],
      ["an array", "[1,2,3]", "application/json"],
      ["a string", '"just a string"', "application/json"],
      ["deeply nested", "[".repeat(30_000) + "]".repeat(30_000), "application/json"],
      ["prototype pollution", '{"__proto__":{"role":"admin","isAdmin":true}}', "application/json"],
      ["constructor pollution", '{"constructor":{"prototype":{"isAdmin":true}}}', "application/json"],
      ["NUL bytes", '{"text":"a\u0000b"}', "application/json"],
      ["lone surrogates", '{"text":"\\ud800"}', "application/json"],
      ["wrong content type", '{"text":"x"}', "text/plain"],
      ["form content type", "text=x", "application/x-www-form-urlencoded"],
      ["no content type", '{"text":"x"}', ""],
      ["duplicate keys", '{"text":"a","text":"b","text":{"x":1}}', "application/json"],
      ["huge number", '{"value":1e999999,"validUntil":1e308}', "application/json"],
    ];
    // PUT /me/contacts/{name} reads no body: whatever is sent is ignored (its limit is checked below).
    for (const [method, path] of JSON_ROUTES.filter(([, p]) => !p.startsWith("/api/v1/me/"))) {
      for (const [what, body, type] of bodies) {
        // PUT /users/{name} with no body (hapi reads JSON null as none) is a valid "add with defaults".
        if ((what === "empty" || what === "null") && path === "/api/v1/users/bob") continue;
        const headers: Record<string, string> = bearer(admin);
        if (type) headers["content-type"] = type;
        const started = performance.now();
        const res = await call(method, path, headers, body);
        const text = await res.text();
        count("malformed JSON requests");
        expect(res.status, `${method} ${path} with ${what}: ${res.status} ${text.slice(0, 200)}`).to.be.within(400, 499);
        expect(performance.now() - started, `${method} ${path} with ${what}`).to.be.below(2000);
      }
    }
    // Nothing leaked into the prototypes of this process (the hub runs in it).
    expect(({} as Record<string, unknown>).role).to.equal(undefined);
    expect(({} as Record<string, unknown>).isAdmin).to.equal(undefined);
  });

  it("answers wrong types and out-of-range values with 400 naming the field", async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ["PUT", "/api/v1/users/alice/note", { text: 42 }, /text/],
      ["PUT", "/api/v1/users/alice/note", { text: "x", validUntil: "yesterday" }, /validUntil/],
      ["PUT", "/api/v1/users/alice/note", { text: "x", validUntil: -1 }, /validUntil/],
      ["PUT", "/api/v1/users/alice/note", { text: "x", visibleTo: ["everyone"] }, /visibleTo/],
      ["PUT", "/api/v1/users/bob", { displayName: { first: "Bob" } }, /displayName/],
      ["PUT", "/api/v1/users/bob", { firstExtension: 1002 }, /firstExtension/],
      ["PUT", "/api/v1/users/bob", { sipUri: "javascript:alert(1)" }, /sipUri/],
      ["PUT", "/api/v1/users/bob", { displayName: "Bob \ud800" }, /displayName/],
      ["PUT", "/api/v1/settings/presence.monitorAll", { value: "yes" }, /monitorAll|value|boolean/],
      ["PUT", "/api/v1/settings/no.such.setting", { value: 1 }, /no.such.setting|unknown/],
      ["PUT", "/api/v1/connectors/abuse", { type: "sip-simple", server: "127.0.0.1:26299", expires: "forever" }, /expires/],
      ["PUT", "/api/v1/connectors/abuse", { type: "sip-simple", server: "127.0.0.1:26299", listMemberTimeout: 0 }, /listMemberTimeout/],
      ["POST", "/api/v1/accounts", { name: "x", role: "root", password: "p" }, /role|password|name/],
      ["POST", "/api/v1/tokens", { role: "superuser" }, /role/],
      ["POST", "/api/v1/diagnostics/subscriptions", { username: ["alice"] }, /username/],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, { ...bearer(admin), "content-type": "application/json" }, JSON.stringify(body));
      const json = (await res.json()) as { message?: string; issues?: unknown };
      count("wrong-type payloads");
      expect(res.status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(json)}`).to.be.within(400, 404);
      expect(JSON.stringify(json), `${method} ${path}`).to.match(field);
    }
  });

  it("refuses a payload over each route's limit with 413 before reading it all, and streams past the limit too", async () => {
    for (const [method, path, limit] of [...JSON_ROUTES, ["POST", "/api/v1/users/import", 10 * 1024 * 1024] as [string, string, number]]) {
      const type = path.endsWith("/import") ? "text/csv" : "application/json";
      const auth = path.startsWith("/api/v1/me/") ? { cookie: operatorCookie, "x-csrf-token": operatorCsrf } : bearer(admin);
      const res = await call(method, path, { ...auth, "content-type": type }, Buffer.alloc(limit + 1, 0x20));
      await res.text();
      count("oversized payloads");
      expect(res.status, `${method} ${path} with ${limit + 1} bytes`).to.equal(413);
    }
    // http-push has its own listener and limit (1 MiB), also for chunked bodies without a length.
    const chunked = await fetch(`${pushUrl(hub.app, "feed")}/presence`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${PUSH_TOKEN}` },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 40; i++) c.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit).catch((e: Error) => ({ status: 0, error: e }));
    count("oversized payloads");
    // Either the 413 arrives, or the connection is cut mid-upload: never a 2xx, never a crash.
    expect([0, 413]).to.include(chunked.status);
  });

  it("serves nothing outside its asset list, whatever the path trickery, and applies auth after normalising", async () => {
    const paths = [
      "/admin/assets/..%2f..%2fpackage.json",
      "/admin/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/admin/assets/%252e%252e%252fpackage.json",
      "/admin/assets/..%5c..%5cpackage.json",
      "/admin/assets/....//....//etc/passwd",
      "/admin/assets/%00",
      "/admin/assets/app.js%00.txt",
      "/admin/assets/.env",
      "/admin/assets/%2fetc%2fpasswd",
      "/admin/../../../../etc/passwd",
      "/admin/assets/../../../../../../etc/passwd",
      "/console/..%2f..%2f..%2fetc%2fpasswd",
      "//etc/passwd",
      "/api/v1/users/..%2f..%2fsecret.key",
      "/admin/assets/" + "a".repeat(10_000),
    ];
    for (const p of paths) {
      const raw = await rawGet(p);
      count("path traversal attempts");
      expect(raw.status, `${p} → ${raw.status}`).to.be.oneOf([301, 302, 400, 401, 403, 404]);
      expect(raw.body, p).to.not.match(/root:x:0:0|"workspaces"|BEGIN|presence-hub-monorepo/);
    }
    // A path that normalises onto an API route still needs its token.
    expect((await rawGet("/admin/../api/v1/users")).status).to.equal(401);
  });

  /** GET with the path exactly as written (fetch would normalise `..` away before sending). */
  function rawGet(path: string): Promise<{ status: number; body: string }> {
    const { port } = new URL(hub.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.end(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
      let data = "";
      socket.on("data", (d) => (data += d.toString("latin1")));
      socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), body: data }));
      socket.on("error", reject);
    });
  }

  it("throttles brute-force logins: locked after five failures, across user names from one address, and cheap while locked", async () => {
    const login = async (username: string, password: string) => {
      const started = performance.now();
      const res = await call("POST", "/api/v1/session", { "content-type": "application/json" }, JSON.stringify({ username, password }));
      await res.text();
      count("brute-force login attempts");
      return { status: res.status, ms: performance.now() - started, retryAfter: res.headers.get("retry-after") };
    };
    const answers = [];
    // Credential stuffing: a different user name each time, from the same address.
    for (let i = 0; i < 12; i++) answers.push(await login(`user${i}`, `guess-${i}`));
    expect(answers.slice(0, 5).map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(answers.slice(5).every((a) => a.status === 429 && Number(a.retryAfter) > 0), JSON.stringify(answers)).to.equal(true);
    // While locked the server does not hash the password: refusals cost no scrypt time.
    const locked = answers.slice(6).map((a) => a.ms).sort((a, b) => a - b);
    const hashed = answers.slice(0, 5).map((a) => a.ms).sort((a, b) => a - b);
    expect(locked[Math.floor(locked.length / 2)]!).to.be.below(hashed[2]!);
    // The right password of a real admin during the lock is refused too (no oracle).
    expect((await login("root1", "admin-password-123")).status).to.equal(429);
  });

  it("refuses an operator's admin upload (403) before reading its body, whatever its content type", async () => {
    // Headers only, announcing 10 MiB: if the hub waited for the body before checking the role, no answer would come.
    const answer = (headers: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(hub.url).port), "127.0.0.1", () => socket.write(`POST /api/v1/users/import HTTP/1.1\r\nhost: x\r\ncontent-length: ${10 * 1024 * 1024}\r\n${headers}\r\n`));
        let text = "";
        socket.on("data", (d) => {
          text += d.toString("latin1");
          if (text.includes("\r\n\r\n")) {
            socket.destroy();
            resolve(text.split("\r\n")[0]!);
          }
        });
        socket.on("error", reject);
        setTimeout(() => (socket.destroy(), reject(new Error(`no answer without the body (${headers.trim()})`))), 3_000);
      });
    for (const type of ["text/csv", "application/x-unknown"]) {
      expect(await answer(`authorization: Bearer ${operator}\r\ncontent-type: ${type}\r\n`), `operator token, ${type}`).to.match(/^HTTP\/1\.1 403/);
      expect(await answer(`cookie: ${operatorCookie}\r\nx-csrf-token: ${operatorCsrf}\r\ncontent-type: ${type}\r\n`), `operator session, ${type}`).to.match(/^HTTP\/1\.1 403/);
      count("wrong-role uploads", 2);
    }
  });

  it("refuses every admin route to an operator token (403) and to an operator's browser session (403), and bad tokens (401)", async () => {
    const adminRoutes = hub.app.server
      .table()
      .filter((r) => {
        const scope = (r.settings.auth as { access?: { scope?: { selection?: string[] } }[] } | false | undefined) || undefined;
        const selection = scope?.access?.[0]?.scope?.selection ?? [];
        return selection.includes("admin") && !selection.includes("operator");
      });
    expect(adminRoutes.length).to.be.greaterThan(10);
    const fill = (p: string) => p.replace(/\{[^}]+\}/g, (m) => (m === "{action}" ? "restart" : m === "{id}" ? "feed" : "alice"));
    for (const r of adminRoutes) {
      const method = r.method.toUpperCase();
      const csv = r.path.endsWith("/import");
      const body = method === "GET" || method === "DELETE" ? undefined : csv ? "username\nmallory\n" : "{}";
      const type = csv ? "text/csv" : "application/json";
      const withToken = await call(method, fill(r.path), { ...bearer(operator), "content-type": type }, body);
      const withSession = await call(method, fill(r.path), { cookie: operatorCookie, "x-csrf-token": operatorCsrf, "content-type": type }, body);
      count("wrong-role requests", 2);
      expect(withToken.status, `operator token: ${method} ${r.path}`).to.equal(403);
      expect(withSession.status, `operator session: ${method} ${r.path}`).to.equal(403);
    }
    const bad = [
      "Bearer",
      "Bearer ",
      `Bearer ${admin}x`,
      `Bearer ${admin.slice(0, -1)}`,
      `Basic ${Buffer.from("root1:admin-password-123").toString("base64")}`,
      `Bearer ${admin} ${admin}`,
      `Bearer ${"A".repeat(60_000)}`,
      "Bearer \u0000",
    ];
    for (const authorization of bad) {
      const res = await fetch(`${hub.url}/api/v1/accounts`, { headers: { authorization } }).catch(() => null);
      count("bad tokens");
      if (res) expect(res.status, authorization.slice(0, 30)).to.be.oneOf([400, 401, 431]);
    }
    // A revoked token stops working at once.
    const created = (await (await call("POST", "/api/v1/tokens", { ...bearer(admin), "content-type": "application/json" }, JSON.stringify({ role: "admin", label: "revoke-me" }))).json()) as { token: string; info: { id: string } };
    expect((await call("GET", "/api/v1/accounts", bearer(created.token))).status).to.equal(200);
    expect((await call("DELETE", `/api/v1/tokens/${created.info.id}`, bearer(admin))).status).to.equal(204);
    expect((await call("GET", "/api/v1/accounts", bearer(created.token))).status).to.equal(401);
    // A forged or tampered session cookie is no session.
    const tampered = operatorCookie.slice(0, -4) + (operatorCookie.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await call("GET", "/api/v1/session", { cookie: tampered })).status).to.equal(401);
    count("bad tokens", 2);
  });
});

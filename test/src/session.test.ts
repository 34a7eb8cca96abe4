import { expect } from "chai";
import { startTestHub, type TestHub } from "@presence-hub/core/testing";

/** Browser sessions: login, cookie flags, CSRF, throttling, logout. */
describe("Browser sessions", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
    await hub.app.accounts.addAccount("admin", "correct horse battery", "admin");
    await hub.app.accounts.addAccount("op", "operator password 1", "operator");
  });
  after(() => hub?.stop());

  const login = (username: string, password: string) =>
    fetch(`${hub.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;

  it("logs in with an HttpOnly, SameSite=Strict, encrypted cookie and returns a CSRF token", async () => {
    const res = await login("admin", "correct horse battery");
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { username: string; role: string; csrfToken: string };
    expect(body).to.include({ username: "admin", role: "admin" });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).to.match(/^ph_session=Fe26\.2\*\*/);
    expect(setCookie).to.contain("HttpOnly").and.to.contain("SameSite=Strict");
    expect(setCookie).to.not.contain("correct horse");
    const me = await fetch(`${hub.url}/api/v1/session`, { headers: { cookie: cookieOf(res) } });
    expect(await me.json()).to.deep.equal(body);
  });

  it("refuses state changes from a cookie session without the CSRF header, allows them with it", async () => {
    const res = await login("admin", "correct horse battery");
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const put = (headers: Record<string, string>) =>
      fetch(`${hub.url}/api/v1/settings/presence.monitorAll`, { method: "PUT", headers: { cookie: cookieOf(res), "content-type": "application/json", ...headers }, body: JSON.stringify({ value: true }) });
    expect((await put({})).status).to.equal(403);
    expect((await put({ "x-csrf-token": "wrong" })).status).to.equal(403);
    expect((await put({ "x-csrf-token": csrfToken })).status).to.equal(200);
  });

  it("gives operators read access only", async () => {
    const res = await login("op", "operator password 1");
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    expect((await fetch(`${hub.url}/api/v1/services`, { headers: { cookie: cookieOf(res) } })).status).to.equal(200);
    const put = await fetch(`${hub.url}/api/v1/settings/presence.monitorAll`, { method: "PUT", headers: { cookie: cookieOf(res), "x-csrf-token": csrfToken, "content-type": "application/json" }, body: JSON.stringify({ value: false }) });
    expect(put.status).to.equal(403);
  });

  it("logs out (the cookie is cleared) and refuses a forged cookie", async () => {
    const res = await login("op", "operator password 1");
    expect(res.status).to.equal(200);
    const cookie = cookieOf(res);
    const out = await fetch(`${hub.url}/api/v1/session`, { method: "DELETE", headers: { cookie, "x-csrf-token": ((await res.json()) as { csrfToken: string }).csrfToken } });
    expect(out.status).to.equal(204);
    expect(out.headers.get("set-cookie")).to.match(/ph_session=;/);
    expect((await fetch(`${hub.url}/api/v1/services`, { headers: { cookie: "ph_session=Fe26.2**forged" } })).status).to.equal(401);
  });

  it("throttles repeated wrong passwords with 429 and Retry-After, even for the right password meanwhile", async () => {
    for (let i = 0; i < 5; i++) expect((await login("admin", "wrong password!!")).status).to.equal(401);
    const blocked = await login("admin", "wrong password!!");
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers.get("retry-after"))).to.be.greaterThan(0);
    expect((await login("admin", "correct horse battery")).status).to.equal(429);
  });
});

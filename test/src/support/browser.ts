/**
 * Headless Chromium for browser tests, driven by playwright-core. Uses the Debian `chromium`
 * package (never a downloaded browser build); `browserAvailable()` names what is missing.
 *
 * ```ts
 * const browser = await launchBrowser();
 * const page = await browser.newPage();             // console errors and CSP violations are recorded
 * await page.goto(`${hub.url}/admin/login`);
 * await screenshot(page.page, "admin-web", "login"); // test-output/admin-web/login.png
 * expect(page.problems()).to.deep.equal([]);
 * await browser.close();
 * ```
 */
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** The Debian package's browser. */
export const CHROMIUM_PATH = process.env.PRESENCE_HUB_CHROMIUM ?? "/usr/bin/chromium";

/** The repository's git-ignored output folder for screenshots (same path from src/ and dist/). */
export const TEST_OUTPUT = fileURLToPath(new URL("../../../test-output/", import.meta.url));

/** Throws, naming the Debian package, when no Chromium is installed. */
export function browserAvailable(): void {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install the Debian package (sudo apt-get install -y chromium) or set PRESENCE_HUB_CHROMIUM`);
}

/** A page that records what the browser complained about (console errors, CSP reports, page errors, dialogs). */
export class TestPage {
  private readonly complaints: string[] = [];
  /** Texts of dialogs (alert/confirm) the page opened; confirms are accepted. */
  readonly dialogs: string[] = [];

  constructor(readonly page: Page) {
    page.on("console", (m) => {
      if (m.type() === "error") this.complaints.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => this.complaints.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      void (d.type() === "confirm" ? d.accept() : d.dismiss());
    });
  }

  /** Console errors and uncaught exceptions so far (CSP violations show up here too). */
  problems(filter: (text: string) => boolean = () => true): string[] {
    return this.complaints.filter(filter);
  }

  goto(url: string): Promise<unknown> {
    return this.page.goto(url, { waitUntil: "domcontentloaded", timeout: 15_000 });
  }
}

/** A launched browser; each `newPage()` gets its own context (cookies). */
export interface TestBrowser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<TestPage>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium. Every wait of a page defaults to 10 s (bounded: a test never
 * hangs on a missing element).
 */
export async function launchBrowser(): Promise<TestBrowser> {
  browserAvailable();
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30_000,
  });
  const contexts: BrowserContext[] = [];
  return {
    async newPage(options = {}) {
      // A laptop screen by default.
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1366, height: 768 } });
      context.setDefaultTimeout(10_000);
      context.setDefaultNavigationTimeout(15_000);
      contexts.push(context);
      return new TestPage(await context.newPage());
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Saves a full-page PNG as `test-output/<folder>/<name>.png`; returns its path. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = path.join(TEST_OUTPUT, folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
  return file;
}

/** Fills the sign-in form on the page it shows (admin pages' and the console's) and submits it. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

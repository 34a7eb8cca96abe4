import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A plain-HTTP listener that only sends browsers to the HTTPS port: `308` to the same host
 * name, path and query on `https://host:httpsPort` (308 keeps the method, so a form post is not
 * silently turned into a GET). It serves nothing else, so no session cookie or token is ever
 * accepted over plain HTTP.
 */
export class HttpsRedirect {
  private server: Server | null = null;

  constructor(
    private readonly options: { readonly host: string; readonly port: number; readonly httpsPort: () => number },
  ) {}

  /** The port it listens on (after `start()`). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const name = hostName(req.headers.host) ?? "localhost";
      const port = this.options.httpsPort();
      const target = `https://${name}${port === 443 ? "" : `:${port}`}${req.url?.startsWith("/") ? req.url : "/"}`;
      res.writeHead(308, { location: target, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", connection: "close" });
      res.end(`use ${target}\n`);
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    // Checked every second, not Node's default 30 s (see boundSlowClients).
    (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = 1_000;
    server.listen(this.options.port, this.options.host);
    await once(server, "listening");
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The host name of a Host header without its port (`hub.example:80` → `hub.example`,
 * `[::1]:80` → `[::1]`); null when it is missing or not a plain name or address, so a crafted
 * header cannot turn the redirect into a link to somewhere else.
 */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header.trim());
  return m ? m[1]! : null;
}

import type { ConnectorStatus } from "@presence-hub/core";
import type { DigestAuthenticator, HeaderList, SipResponse } from "./wire/index.js";

/** The probe's verdict. */
export interface ProbeResult {
  readonly status: ConnectorStatus;
  readonly detail: string;
}

/** What the probe needs from its connector. */
export interface ProbeContext {
  send(request: { method: string; uri: string; headers: HeaderList }, onFinal: (response: SipResponse | null, reason: string) => void): void;
  readonly auth: DigestAuthenticator;
  readonly aor: string;
  contact(): string;
  readonly userAgent: string;
  /** A fresh Call-ID (whose NOTIFYs the connector answers 200) and From tag. */
  newIds(): { callId: string; tag: string };
}

/**
 * The active health check behind the connector status: a presence *fetch* (SUBSCRIBE with
 * Expires: 0, RFC 6665 §4.4.3) of the connector's own identity, with its credentials. It reads:
 * 2xx → `up-and-running`; 404/480/604 → `credentials-not-found` (the server works but does not
 * know that identity: fine on a trusted trunk with dummy credentials); 401/407 refusing our
 * credentials, or 403 → `forbidden`; no answer → `connection-error`; anything else → the server
 * answers, so `up-and-running` with the code as detail.
 */
export class HealthProbe {
  private inFlight = false;

  constructor(private readonly ctx: ProbeContext) {}

  run(done: (result: ProbeResult) => void): void {
    if (this.inFlight) return;
    this.inFlight = true;
    const { callId, tag } = this.ctx.newIds();
    let cseq = 0;
    const send = (attempt: number) => {
      const headers: [string, string][] = [
        ["Max-Forwards", "70"],
        ["From", `<${this.ctx.aor}>;tag=${tag}`],
        ["To", `<${this.ctx.aor}>`],
        ["Call-ID", callId],
        ["CSeq", `${++cseq} SUBSCRIBE`],
        ["Contact", this.ctx.contact()],
        ["Event", "presence"],
        ["Expires", "0"],
        ["Accept", "application/pidf+xml"],
        ["User-Agent", this.ctx.userAgent],
        ...this.ctx.auth.authorize({ method: "SUBSCRIBE", uri: this.ctx.aor }),
      ];
      this.ctx.send({ method: "SUBSCRIBE", uri: this.ctx.aor, headers }, (response, reason) => {
        if (!response) return this.finish(done, { status: "connection-error", detail: `no answer from the server: ${reason}` });
        const code = response.status;
        if ((code === 401 || code === 407) && attempt < 2) {
          const outcome = this.ctx.auth.handleChallenge(response, { headers });
          if (outcome.ok) return send(attempt + 1);
          return this.finish(done, { status: "forbidden", detail: `${code} ${response.reason}: ${outcome.detail}` });
        }
        if (code >= 200 && code < 300) return this.finish(done, { status: "up-and-running", detail: `the server accepted ${this.ctx.aor}` });
        if (code === 401 || code === 407 || code === 403) return this.finish(done, { status: "forbidden", detail: `${code} ${response.reason}` });
        if (code === 404 || code === 480 || code === 604) {
          return this.finish(done, { status: "credentials-not-found", detail: `${code} ${response.reason}: the server does not know ${this.ctx.aor}` });
        }
        return this.finish(done, { status: "up-and-running", detail: `the server answers (${code} ${response.reason} to a presence fetch of ${this.ctx.aor})` });
      });
    };
    send(0);
  }

  private finish(done: (r: ProbeResult) => void, result: ProbeResult): void {
    this.inFlight = false;
    done(result);
  }
}

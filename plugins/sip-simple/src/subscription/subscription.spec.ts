import { expect } from "chai";
import type { Logger } from "@presence-hub/core";
import { ManualClock } from "@presence-hub/core/testing";

import { createResponse, DigestAuthenticator, parseMessage, serializeRequest, serializeResponse, type SipRequest, type SipResponse } from "../wire/index.js";
import type { ClientTransactionHandler, RequestToSend } from "../transaction/transaction-layer.js";
import { SubscribePacer } from "./subscribe-pacer.js";
import { Subscription, type SubscriptionContext, type SubscriptionDelegate, type SubscriptionFailure } from "./subscription.js";

/**
 * The policy timings of one subscription on a ManualClock. The unit boundary is the
 * transaction layer's `send`: the test sees each SUBSCRIBE and answers it (or lets it time out)
 * itself. The SIPp tests in test/src/sip-policy.test.ts check the same policy on the wire;
 * these check what takes minutes there (refresh at E-35 s, backoff, retry-after) exactly.
 */

const TIMER_N = 64 * 500;

interface Sent {
  readonly request: SipRequest;
  readonly handler: ClientTransactionHandler;
  readonly at: number;
}

const silent: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silent,
};

function setup(expires = 600, pacing: { rate: number; burst: number } = { rate: 1000, burst: 100 }) {
  const clock = new ManualClock();
  const start = clock.now();
  const sent: Sent[] = [];
  const failures: SubscriptionFailure[] = [];
  const accepted: boolean[] = [];
  const dialogs = new Map<string, Subscription>();
  const ctx: SubscriptionContext = {
    transactions: {
      send(request: RequestToSend, handler: ClientTransactionHandler) {
        const data = serializeRequest({ method: request.method, uri: request.uri, headers: [["Via", `SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK${sent.length}`], ...request.headers] });
        const parsed = parseMessage(data);
        if (!parsed.ok || parsed.message.kind !== "request") throw new Error("the subscription built an unparsable request");
        sent.push({ request: parsed.message, handler, at: clock.now() - start });
        return `z9hG4bK${sent.length}`;
      },
    },
    auth: new DigestAuthenticator({ username: "hub", password: "secret" }),
    pacer: new SubscribePacer(clock, pacing.rate, pacing.burst),
    identity: { aor: "sip:hub@192.0.2.10", contact: () => "<sip:hub@192.0.2.1:5070>", userAgent: "spec" },
    clock,
    logger: silent,
    timerNMs: TIMER_N,
    register: (callId, sub) => dialogs.set(callId, sub),
    unregister: (callId, sub) => {
      if (dialogs.get(callId) === sub) dialogs.delete(callId);
    },
  };
  const delegate: SubscriptionDelegate = {
    onNotify: () => {},
    onAccepted: (_s, pending) => accepted.push(pending),
    onFailure: (_s, f) => failures.push(f),
    onBadEvent: () => {},
    onServerAnswer: () => {},
  };
  const sub = new Subscription({ event: "presence", target: "sip:alice@192.0.2.10", accept: "application/pidf+xml", expires }, ctx, delegate);
  const since = () => clock.now() - start;
  return { clock, sub, sent, failures, accepted, dialogs, since };
}

/** The server's answer to a sent request (To tag "srv" on every non-100 answer). */
function answer(s: Sent, status: number, headers: [string, string][] = []): void {
  const data = serializeResponse(createResponse(s.request, status, { toTag: "srv", headers }));
  const parsed = parseMessage(data);
  if (!parsed.ok || parsed.message.kind !== "response") throw new Error("bad test response");
  s.handler.onFinal(parsed.message as SipResponse);
}

/** A NOTIFY in the subscription's dialog; returns the status the subscription answered. */
function notify(sub: Subscription, sentRequest: SipRequest, cseq: number, state: string): number {
  const data = serializeRequest({
    method: "NOTIFY",
    uri: "sip:hub@192.0.2.1:5070",
    headers: [
      ["Via", `SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKn${cseq}`],
      ["Max-Forwards", "70"],
      ["From", "<sip:alice@192.0.2.10>;tag=srv"],
      ["To", sentRequest.headers.get("from")!],
      ["Call-ID", sentRequest.callId],
      ["CSeq", `${cseq} NOTIFY`],
      ["Contact", "<sip:alice@192.0.2.10:5060>"],
      ["Event", "presence"],
      ["Subscription-State", state],
    ],
  });
  const parsed = parseMessage(data);
  if (!parsed.ok || parsed.message.kind !== "request") throw new Error("bad test NOTIFY");
  let status = 0;
  sub.handleNotify(parsed.message, (s) => (status = s));
  return status;
}

const challenge = (realm: string, nonce: string): [string, string] => ["WWW-Authenticate", `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5`];

/** Subscribes and brings the dialog up: 2xx with `granted`, then a NOTIFY. */
function subscribed(granted: number, expires = 600) {
  const t = setup(expires);
  t.sub.start();
  answer(t.sent[0]!, 200, [["Expires", String(granted)], ["Contact", "<sip:alice@192.0.2.10:5060>"]]);
  expect(notify(t.sub, t.sent[0]!.request, 1, `active;expires=${granted}`)).to.equal(200);
  return t;
}

describe("Subscription", () => {
  describe("refresh timing", () => {
    for (const [granted, refreshAt] of [
      [600, 565_000], // E − 35 s: timer F (32 s) still fits before expiry
      [3600, 3_565_000],
      [60, 30_000], // E/2 wins below 70 s
      [4, 2_000],
    ] as const) {
      it(`refreshes a ${granted} s grant after ${refreshAt / 1000} s, in the dialog`, () => {
        const { clock, sent, since } = subscribed(granted, Math.max(granted, 60));
        clock.advance(refreshAt - 1);
        expect(sent).to.have.length(1);
        clock.advance(1);
        expect(sent).to.have.length(2);
        expect(sent[1]!.at).to.equal(refreshAt);
        expect(sent[1]!.request.toTag).to.equal("srv");
        expect(sent[1]!.request.callId).to.equal(sent[0]!.request.callId);
        expect(sent[1]!.request.cseq.seq).to.equal(2);
        expect(sent[1]!.request.requestUri).to.equal("sip:alice@192.0.2.10:5060");
        expect(since()).to.equal(refreshAt);
      });
    }

    it("a shorter expires= in a NOTIFY brings the refresh forward; a longer one does not delay it", () => {
      const { clock, sub, sent } = subscribed(600);
      clock.advance(50_000);
      expect(notify(sub, sent[0]!.request, 2, "active;expires=900")).to.equal(200);
      clock.advance(50_000);
      expect(notify(sub, sent[0]!.request, 3, "active;expires=200")).to.equal(200);
      clock.advance(164_999);
      expect(sent).to.have.length(1);
      clock.advance(1);
      expect(sent).to.have.length(2); // 100 s + (200 − 35) s
    });

    it("keeps refreshing from each refresh's 2xx", () => {
      const { clock, sent } = subscribed(100);
      clock.advance(65_000);
      answer(sent[1]!, 200, [["Expires", "100"]]);
      clock.advance(65_000);
      expect(sent.map((s) => s.at)).to.deep.equal([0, 65_000, 130_000]);
      expect(sent.map((s) => s.request.cseq.seq)).to.deep.equal([1, 2, 3]);
    });
  });

  describe("failures and retries", () => {
    it("retries after a 503's Retry-After, in seconds", () => {
      const { clock, sub, sent, failures } = setup();
      sub.start();
      answer(sent[0]!, 503, [["Retry-After", "7"]]);
      expect(failures.map((f) => [f.code, f.retryInMs])).to.deep.equal([[503, 7_000]]);
      clock.advance(6_999);
      expect(sent).to.have.length(1);
      clock.advance(1);
      expect(sent).to.have.length(2);
      expect(sent[1]!.request.callId).to.not.equal(sent[0]!.request.callId);
    });

    it("caps a huge Retry-After at ten minutes, so one bad answer cannot silence a user for years", () => {
      const { clock, sub, sent, failures } = setup();
      sub.start();
      answer(sent[0]!, 503, [["Retry-After", "999999999"]]);
      expect(failures.map((f) => f.retryInMs)).to.deep.equal([600_000]);
      clock.advance(600_000);
      expect(sent).to.have.length(2);
    });

    it("backs off with jitter after a timeout, doubling per failure", () => {
      const { clock, sub, sent, failures } = setup();
      sub.start();
      for (let i = 0; i < 4; i++) {
        sent[i]!.handler.onTimeout("no answer");
        clock.advance(failures[i]!.retryInMs);
      }
      const delays = failures.map((f) => f.retryInMs);
      [5_000, 10_000, 20_000, 40_000].forEach((d, i) => expect(delays[i]).to.be.within(d / 2, d));
      expect(sent).to.have.length(5);
    });

    it("answers at most 3 challenges per request, then reports refused credentials", () => {
      const { sub, sent, failures } = setup();
      sub.start();
      // A new realm each time: every challenge is answerable, so only the round limit stops it.
      for (let i = 0; i < 4; i++) answer(sent[i]!, 401, [challenge(`realm${i}`, `n${i}`)]);
      expect(sent.map((s) => s.request.cseq.seq)).to.deep.equal([1, 2, 3, 4]);
      expect(new Set(sent.map((s) => s.request.callId)).size).to.equal(1);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ status: "access-denied", code: 401, authRejected: true });
    });

    it("paces the re-send after a challenge like a SUBSCRIBE of its own (the server's rate limit counts it)", () => {
      // At a cold start every SUBSCRIBE sent before the first challenge was answered is
      // re-sent: unpaced, those re-sends pushed a hub pacing at 450/s over a 500/s limit.
      const { clock, sub, sent } = setup(600, { rate: 10, burst: 1 });
      sub.start();
      expect(sent).to.have.length(1);
      answer(sent[0]!, 401, [challenge("r", "n1")]);
      expect(sent).to.have.length(1); // the burst is spent: wait for the next token
      clock.advance(99);
      expect(sent).to.have.length(1);
      clock.advance(1);
      expect(sent.map((s) => s.at)).to.deep.equal([0, 100]);
      expect(sent[1]!.request.callId).to.equal(sent[0]!.request.callId);
      expect(sent[1]!.request.cseq.seq).to.equal(2);
      expect(sent[1]!.request.headers.get("authorization")).to.match(/^Digest /);
    });

    it("drops a re-send still waiting for its token when the subscription restarts or stops", () => {
      const { clock, sub, sent } = setup(600, { rate: 10, burst: 1 });
      sub.start();
      answer(sent[0]!, 401, [challenge("r", "n1")]);
      sub.restart(); // a fresh dialog: its own initial SUBSCRIBE, not the old re-send as well
      clock.advance(1_000);
      expect(sent).to.have.length(2);
      expect(sent[1]!.request.callId).to.not.equal(sent[0]!.request.callId);
      expect(sent[1]!.request.cseq.seq).to.equal(1);
      answer(sent[1]!, 401, [challenge("r", "n2")]);
      sub.stop();
      clock.advance(1_000);
      expect(sent).to.have.length(2);
    });

    it("retries a 423 with Min-Expires on the same Call-ID, and a new dialog keeps the raised value", () => {
      const { clock, sub, sent } = setup(600);
      sub.start();
      answer(sent[0]!, 423, [["Min-Expires", "1800"]]);
      expect(sent[1]!.request.callId).to.equal(sent[0]!.request.callId);
      expect(sent[1]!.request.cseq.seq).to.equal(2);
      expect(sent[1]!.request.expires).to.equal(1800);
      answer(sent[1]!, 200, [["Expires", "1800"]]);
      expect(notify(sub, sent[1]!.request, 1, "terminated;reason=deactivated")).to.equal(200);
      clock.advance(0);
      expect(sent[2]!.request.callId).to.not.equal(sent[0]!.request.callId);
      expect(sent[2]!.request.expires).to.equal(1800);
    });

    it("timer N: a 2xx without NOTIFY fails after 64·T1 and retries with a new dialog", () => {
      const { clock, sub, sent, failures } = setup();
      sub.start();
      answer(sent[0]!, 200, [["Expires", "600"]]);
      clock.advance(TIMER_N - 1);
      expect(failures).to.have.length(0);
      clock.advance(1);
      expect(failures.map((f) => f.reason)).to.deep.equal(["no NOTIFY after the server accepted (timer N)"]);
      clock.advance(failures[0]!.retryInMs);
      expect(sent).to.have.length(2);
      expect(sent[1]!.request.toTag).to.equal(undefined);
    });
  });

  describe("stop", () => {
    it("unsubscribes in the dialog, still answers the final NOTIFY, then forgets everything", () => {
      const { clock, sub, sent, dialogs } = subscribed(600);
      sub.stop();
      expect(sub.phase).to.equal("closing");
      expect(sent[1]!.request.expires).to.equal(0);
      expect(sent[1]!.request.toTag).to.equal("srv");
      answer(sent[1]!, 200, [["Expires", "0"]]);
      expect(notify(sub, sent[0]!.request, 2, "terminated;reason=timeout")).to.equal(200);
      clock.advance(TIMER_N);
      expect(sub.phase).to.equal("stopped");
      expect(dialogs.size).to.equal(0);
      expect(clock.pending).to.equal(0);
      clock.advance(3_600_000);
      expect(sent).to.have.length(2);
    });

    it("stopped between the 2xx and the first NOTIFY: unsubscribes and never subscribes again", () => {
      const { clock, sub, sent, failures } = setup();
      sub.start();
      answer(sent[0]!, 200, [["Expires", "600"]]);
      sub.stop();
      expect(sent[1]!.request.expires).to.equal(0);
      answer(sent[1]!, 200, [["Expires", "0"]]);
      // Timer N from the 2xx must not outlive the stop and revive the subscription.
      clock.advance(3_600_000);
      expect(failures).to.have.length(0);
      expect(sent).to.have.length(2);
      expect(sub.phase).to.equal("stopped");
      expect(clock.pending).to.equal(0);
    });

    it("stopped while waiting to retry: nothing more is sent", () => {
      const { clock, sub, sent } = setup();
      sub.start();
      answer(sent[0]!, 503, [["Retry-After", "5"]]);
      sub.stop();
      clock.advance(3_600_000);
      expect(sent).to.have.length(1);
      expect(sub.phase).to.equal("stopped");
    });
  });
});

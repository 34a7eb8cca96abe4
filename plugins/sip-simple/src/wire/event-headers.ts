import { Params, parseParamsAt } from "./params.js";
import { SipSyntaxError, parseUint32, scanToken, skipWs } from "./syntax.js";

/** An Event header value (RFC 6665 §8.2.1), e.g. `presence;id=1` or `presence.winfo`. */
export interface EventHeader {
  /** The full event type as written: `"presence"`, `"presence.winfo"`. */
  readonly type: string;
  /** The package: the part before the first `.` (`"presence"`). */
  readonly package: string;
  /** Template-packages after the package (`["winfo"]`), empty when none. */
  readonly templates: readonly string[];
  /** The `id` parameter (RFC 6665 §8.2.1), or undefined. */
  readonly id: string | undefined;
  /** All parameters. */
  readonly params: Params;
}

/** Parses an Event (or `o:`) value. Throws {@link SipSyntaxError}. */
export function parseEvent(value: string): EventHeader {
  const i = skipWs(value, 0);
  const e = scanToken(value, i);
  if (e === i) throw new SipSyntaxError("event", "missing event type");
  const type = value.slice(i, e);
  const dot = type.indexOf(".");
  const { params, end } = parseParamsAt(value, e, "event");
  if (end !== value.length) throw new SipSyntaxError("event", "trailing characters");
  const id = params.get("id");
  return {
    type,
    package: dot < 0 ? type : type.slice(0, dot),
    templates: dot < 0 ? [] : type.slice(dot + 1).split("."),
    id: id === null ? undefined : id,
    params,
  };
}

/** A Subscription-State value (RFC 6665 §8.2.3 / §4.1.3). Durations are numbers in SECONDS. */
export interface SubscriptionState {
  /** `"active"`, `"pending"`, `"terminated"` (lower-cased), or an extension state. */
  readonly state: string;
  /** The `reason` parameter, lower-cased (`"deactivated"`, `"probation"`, `"timeout"`...), or undefined. */
  readonly reason: string | undefined;
  /** The `expires` parameter in seconds, or undefined. */
  readonly expires: number | undefined;
  /** The `retry-after` parameter in seconds, or undefined. */
  readonly retryAfter: number | undefined;
  /** All parameters. */
  readonly params: Params;
}

/** Parses a Subscription-State value. Throws {@link SipSyntaxError} (also for non-numeric durations). */
export function parseSubscriptionState(value: string): SubscriptionState {
  const i = skipWs(value, 0);
  const e = scanToken(value, i);
  if (e === i) throw new SipSyntaxError("subscription-state", "missing state");
  const { params, end } = parseParamsAt(value, e, "subscription-state");
  if (end !== value.length) throw new SipSyntaxError("subscription-state", "trailing characters");
  const reason = params.get("reason");
  return {
    state: value.slice(i, e).toLowerCase(),
    reason: reason == null ? undefined : reason.toLowerCase(),
    expires: secondsParam(params, "expires"),
    retryAfter: secondsParam(params, "retry-after"),
    params,
  };
}

function secondsParam(params: Params, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  const v = raw === null ? -1 : parseUint32(raw);
  if (v < 0) throw new SipSyntaxError("subscription-state", `"${name}" is not a number of seconds`);
  return v;
}

import type { ErrorStatus } from "@presence-hub/core";

/** Why a link could not be opened: the connector's status follows from it. */
export type LinkFailureKind = "unreachable" | "forbidden" | "protocol";

/**
 * `open()` failed: `unreachable` (no TCP connection, or no answer) and `protocol` (the peer does
 * not speak the configured protocol) show `connection-error`; `forbidden` (login refused) shows
 * `forbidden`.
 */
export class LinkOpenError extends Error {
  override readonly name = "LinkOpenError";

  constructor(
    readonly kind: LinkFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Why a request failed: the switch refused it, it was not answered in time, or the link went away. */
export type DeviceRequestFailure = "refused" | "timeout" | "link-down";

/**
 * A request about one device failed; `status` is what the user's telephony shows: `not-found`
 * (the switch does not know the device), `access-denied` (not allowed to monitor it), `error`
 * (anything else, timeouts included). After `link-down` the connector waits for the reconnect
 * instead of retrying the device.
 */
export class DeviceRequestError extends Error {
  override readonly name = "DeviceRequestError";

  constructor(
    readonly status: ErrorStatus,
    message: string,
    readonly failure: DeviceRequestFailure = "refused",
  ) {
    super(message);
  }

  get linkDown(): boolean {
    return this.failure === "link-down";
  }
}

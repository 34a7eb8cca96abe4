/**
 * The CSTA XML codec of the CTI link, for tools and tests that feed it bytes directly (the
 * robustness suite fuzzes these entry points): {@link FrameDecoder} cuts the TCP stream into
 * messages, {@link decodeIncoming} reads one message, {@link translateEvent} turns an event into
 * device events. Nothing here does I/O.
 */
export { decodeIncoming, MalformedMessageError, type CstaIncoming, type CstaResponseType } from "./csta-messages.js";
export { translateEvent } from "./csta-events.js";
export { FrameDecoder, FramingError, encodeFrame, CSTA_FRAMINGS, HEADER_BYTES, MAX_FRAME_BYTES, EVENT_INVOKE_ID, type CstaFraming, type CstaFrame } from "./csta-framing.js";
export { cstaNamespace, isCstaNamespace, SESSION_NAMESPACE } from "./csta-namespaces.js";
export { LineTracker } from "../line/line-tracker.js";
export type { DeviceEvent } from "../link/device-event.js";

/**
 * The SIP wire layer of the sip-simple connector: bytes in, typed messages out, and back.
 *
 * - {@link parseMessage}: one datagram / framed message → {@link SipMessage} or a typed refusal
 * - {@link StreamFramer}: TCP/TLS byte stream → messages and RFC 5626 keep-alives
 * - header parsers and {@link parseUri}: structured values, used lazily by the message
 * - {@link serializeRequest} / {@link serializeResponse} / {@link createResponse}: messages → Buffers
 * - {@link DigestAuthenticator}: client Digest (MD5, SHA-256, SHA-512-256, -sess, auth-int)
 *
 * Transactions, transports and subscriptions build on this; nothing here does I/O or timers.
 */
export * from "./header-parsers.js";
export { COMPACT_FORMS, headerKey, canonicalHeaderName } from "./header-names.js";
export { SipHeaders, type SipHeaderField } from "./sip-headers.js";
export { SipMessageBase, SipRequest, SipResponse, type SipMessage } from "./sip-message.js";
export {
  parseMessage,
  SipParseError,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  type ParseOptions,
  type ParseResult,
  type RequestHead,
  type SipParseErrorCode,
} from "./parse-message.js";
export {
  parseUri,
  parseSipUri,
  formatUri,
  uriEquals,
  percentDecode,
  isIpv4,
  isIpv6,
  isHostname,
  type Uri,
  type SipUri,
  type TelUri,
  type OtherUri,
} from "./sip-uri.js";
export {
  serializeRequest,
  serializeResponse,
  createResponse,
  reasonPhrase,
  type HeaderList,
  type OutgoingRequest,
  type OutgoingResponse,
  type ResponseOptions,
  type ResponseSource,
} from "./serialize.js";
export { newBranch, newTag, newCallId, BRANCH_COOKIE } from "./identifiers.js";
export { StreamFramer, StreamBrokenError, type FramerEvent, type StreamBrokenReason, type StreamFramerOptions } from "./stream-framer.js";
export {
  DigestAuthenticator,
  digestResponse,
  type ChallengeOutcome,
  type ChallengedRequest,
  type DigestCredentials,
  type DigestAuthenticatorOptions,
  type DigestInput,
  type DigestRequest,
} from "./digest.js";
export { selectChallenges, usableChallenge, type DigestAlgorithm, type DigestQop, type UsableChallenge } from "./digest-challenge.js";

/**
 * The structured header parsers, in one place. Each lives in its own file (one grammar per
 * file); the message uses them lazily, and the layers above may call them directly on values
 * from `message.headers`. All throw {@link SipSyntaxError} on malformed input.
 */
export { parseVia, formatVia, type Via } from "./via.js";
export { parseCSeq, type CSeq } from "./cseq.js";
export { parseNameAddr, parseNameAddrList, parseContact, parseNameAddrUri, formatNameAddr, tagOf, type NameAddr } from "./name-addr.js";
export { parseEvent, parseSubscriptionState, type EventHeader, type SubscriptionState } from "./event-headers.js";
export { parseContentType, tryParseContentType, type ContentType } from "./content-type.js";
export { parseDeltaSeconds, parseRetryAfter, parseTokenList, parseSipDate, formatSipDate, type RetryAfter } from "./scalar-headers.js";
export { parseChallenges, parseCredentials, type AuthChallenge } from "./auth-header.js";
export { Params, parseParamsAt } from "./params.js";
export { SipSyntaxError } from "./syntax.js";

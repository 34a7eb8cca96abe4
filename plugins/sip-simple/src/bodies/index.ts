/**
 * The NOTIFY body layer of the sip-simple connector, for tools and tests that feed it bodies
 * directly (the robustness suite fuzzes these entry points): {@link dispatchBody} types a body
 * by its Content-Type; the `parse*` readers each take one document; the mappers turn typed
 * bodies into the reports the connector emits. Nothing here does I/O; every reader returns a
 * typed refusal instead of throwing.
 */
export { dispatchBody, type BodyDispatchOptions, type BodyError, type BodyErrorCode, type DispatchedBody, type RlmiResourceBody } from "./body-dispatch.js";
export { parsePidf, PIDF_NS, DATA_MODEL_NS, RPID_NS, type PidfDocument, type PidfParseResult } from "./pidf.js";
export { parseDialogInfo, DialogInfoTracker, DIALOG_INFO_NS, type DialogInfoDocument, type DialogInfoParseResult } from "./dialog-info.js";
export { parseRlmi, RlmiTracker, RLMI_NS, type RlmiList, type RlmiParseResult } from "./rlmi.js";
export { parseAsFeatureEvent, type AsFeatureFacts, type AsFeatureEventParseResult } from "./as-feature-event.js";
export { splitMultipart, DEFAULT_MULTIPART_LIMITS, type MultipartLimits, type MultipartPart, type MultipartSplitResult } from "./multipart.js";
export { richFromPidf, telephonyFromPidf } from "./presence-mapping.js";
export { TelephonyNotifyMapper, mapRichBody, type MappedNotify } from "../notify-mapper.js";
export { ResourceList, type ListUpdate } from "../resource-list.js";

import type { ErrorStatus, XmlElement } from "@presence-hub/core";

/**
 * An ECMA-323 `CSTAErrorCode` negative response: one child naming the category (`operation`,
 * `security`, `stateIncompatibility`, `systemResourceAvailability`,
 * `subscribedResourceAvailability`, `performanceManagement`, `privateData`, `unspecified`)
 * whose text is the error value (`invalidDeviceID`, `objectNotKnown`, …).
 */
export interface CstaError {
  readonly category: string;
  readonly value: string;
  /** What the user's telephony shows when a request about the user's device fails so. */
  readonly status: ErrorStatus;
}

// Values that say "no such device" across editions and vendors (ECMA-323 `invalidDeviceID`,
// the ASN.1-derived `invalidCstaDeviceIdentifier`, `objectNotKnown`, `invalidMonitorObject`).
const NOT_FOUND = /^(invalid(Csta)?Device(ID|Identifier)|objectNotKnown|invalidMonitorObject|invalidObjectType|invalidDevice)$/i;
const DENIED = /^(privilegeViolation\w*|securityViolation|notAuthori[sz]ed\w*)$/i;

/** Reads a `CSTAErrorCode` element (never throws: an empty one is `unspecified`). */
export function readCstaError(root: XmlElement): CstaError {
  const c = root.children[0];
  const category = c?.localName ?? "unspecified";
  const value = (c ? (c.children[0]?.localName ?? c.text) : root.text).trim() || "generic";
  let status: ErrorStatus = "error";
  if (category === "security" || DENIED.test(value)) status = "access-denied";
  else if (NOT_FOUND.test(value)) status = "not-found";
  return { category, value, status };
}

/** `operation/invalidDeviceID`: the form used in logs and error reports. */
export function describeCstaError(e: CstaError): string {
  return `CSTA error ${e.category}/${e.value}`;
}

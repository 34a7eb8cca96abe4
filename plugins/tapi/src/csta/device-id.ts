import type { XmlElement } from "@presence-hub/core";
import { child } from "./xml-query.js";

/**
 * Device identifiers as switches write them, made comparable and readable. Real examples:
 * `1001`, `+4989123451001`, `tel:+4989123451001`, `sip:1001@pbx.example`,
 * `N<+4989123451001>;displayNumber=1001` (Unify OpenScape), `1001:CM1:192.0.2.1:0` (Avaya).
 */

/**
 * The device id inside an ECMA-323 device element: either its text (`<device>1001</device>`)
 * or the `deviceIdentifier` of an extended device id; undefined when the switch says
 * `notKnown`/`restricted` or gives nothing.
 */
export function deviceIdOf(node: XmlElement | undefined): string | undefined {
  if (!node) return undefined;
  const inner = child(node, "deviceIdentifier") ?? child(node, "staticID") ?? child(node, "dynamicID");
  const text = (inner ? inner.text : node.children.length === 0 ? node.text : "").trim();
  return text === "" ? undefined : text;
}

/** A readable form for display: the number inside `N<…>`, without scheme, domain or parameters. */
export function displayDeviceId(id: string): string {
  let s = id.trim();
  const bracket = /^[A-Za-z]?<([^>]*)>/.exec(s);
  if (bracket) s = bracket[1]!;
  s = s.replace(/^(sips?|tel):/i, "");
  s = s.split(";")[0]!;
  const at = s.indexOf("@");
  if (at > 0) s = s.slice(0, at);
  // Avaya `ext:switch:ip:0`: the extension is the first part.
  const avaya = /^(\+?[0-9*#]+):[^:]*:[^:]*:\d+$/.exec(s);
  if (avaya) s = avaya[1]!;
  return s.trim();
}

/** The comparable key of a device id: its readable form without visual separators. */
export function deviceKey(id: string): string {
  return displayDeviceId(id).replace(/[\s\-().]/g, "").toLowerCase();
}

/**
 * Whether two device ids name the same device: equal keys, or one is the other's extension at
 * the end of a full number (`1001` and `+4989123451001`). The suffix rule needs a long number
 * (8+ digits), so short internal numbers never match each other by accident.
 */
export function sameDevice(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const ka = deviceKey(a);
  const kb = deviceKey(b);
  if (ka === kb) return ka !== "";
  const [short, long] = ka.length < kb.length ? [ka, kb] : [kb, ka];
  const digits = long.replace(/^\+/, "");
  return /^[0-9*#]{2,}$/.test(short) && /^[0-9]{8,}$/.test(digits) && digits.endsWith(short);
}

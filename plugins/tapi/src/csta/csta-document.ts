import { type XmlElement, type XmlLimits, readXml } from "@presence-hub/core";

/**
 * Limits for CSTA messages, given to the core's XML reader. A CSTA frame is at most 64 KiB and
 * the largest real messages (snapshots, private data) are a few KiB, so a switch gets a tighter
 * budget than a SIP NOTIFY; depth, attributes per element and namespaces in scope keep the
 * reader's defaults.
 */
export const CSTA_XML_LIMITS: Readonly<Partial<XmlLimits>> = Object.freeze({
  maxBytes: 64 * 1024,
  maxElements: 5_000,
  maxAttributeLength: 16 * 1024,
  maxTextLength: 16 * 1024,
});

/**
 * The root element of one CSTA message, read by the core's safe reader (no DOCTYPE, bounded by
 * {@link CSTA_XML_LIMITS}). Throws the reader's `XmlError` for broken or hostile XML: the link
 * counts, logs and skips such a message.
 */
export function readCstaDocument(input: string | Uint8Array): XmlElement {
  const read = readXml(input, CSTA_XML_LIMITS);
  if (!read.ok) throw read.error;
  return read.root;
}

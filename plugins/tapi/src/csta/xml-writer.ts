/**
 * Builds the small XML documents the client sends. Element content is a string (escaped here)
 * or a list of child elements; attributes are escaped too, so a device or a password can never
 * break out of its element.
 */

/** An element to write: name, optional attributes, text or children. */
export interface XmlOut {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly content?: string | readonly (XmlOut | null)[];
}

/** `{ name, content }` shorthand; null children are skipped (optional elements). */
export function el(name: string, content?: string | readonly (XmlOut | null)[], attrs?: Readonly<Record<string, string>>): XmlOut {
  return { name, content, attrs };
}

/** A whole document: declaration, then the root with its default namespace. */
export function document(root: XmlOut, namespace: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${write({ ...root, attrs: { xmlns: namespace, ...root.attrs } })}`;
}

/** Serialises one element and its children. */
export function write(e: XmlOut): string {
  let attrs = "";
  for (const [k, v] of Object.entries(e.attrs ?? {})) attrs += ` ${k}="${escapeXml(v)}"`;
  if (e.content === undefined || (Array.isArray(e.content) && e.content.every((c) => c === null))) return `<${e.name}${attrs}/>`;
  const body = typeof e.content === "string" ? escapeXml(e.content) : (e.content as readonly (XmlOut | null)[]).map((c) => (c ? write(c) : "")).join("");
  return `<${e.name}${attrs}>${body}</${e.name}>`;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : c === '"' ? "&quot;" : "&apos;"));
}

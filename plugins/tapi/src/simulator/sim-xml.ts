/**
 * The simulator's own XML handling, written independently of the client's reader and writer so
 * that a shared misunderstanding of the protocol cannot hide in shared code.
 *
 * Reading is "flat": requests to a CTI server are shallow documents, so the simulator only needs
 * the root's local name and namespace and the text of each leaf element by local name (the first
 * occurrence wins). It is bounded and refuses DTDs and unknown entities all the same: the demo
 * may run it on a network.
 */

/** A request as the simulator sees it. */
export interface FlatXml {
  /** Local name of the root element. */
  readonly root: string;
  /** The root's default namespace (`xmlns`), or "". */
  readonly namespace: string;
  /** Text of leaf elements by local name (first occurrence). */
  readonly leaves: ReadonlyMap<string, string>;
}

const MAX_CHARS = 64 * 1024;
const MAX_TAGS = 2_000;
const TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!([^>]*)>|<(\/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;

/** Parses a request; throws an Error with a short reason when it is not acceptable XML. */
export function parseFlat(text: string): FlatXml {
  if (text.length > MAX_CHARS) throw new Error("request too large");
  const stack: { name: string; text: string; hasChildren: boolean }[] = [];
  const leaves = new Map<string, string>();
  let root: string | null = null;
  let namespace = "";
  let tags = 0;
  let closedRoot = false;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const [, cdata, declaration, slash, , local, attrs, selfClose, chars, strayLt] = m;
    if (declaration !== undefined) throw new Error("declarations (DOCTYPE, ENTITY) are refused");
    if (strayLt !== undefined) throw new Error("'<' that starts no tag");
    if (chars !== undefined || cdata !== undefined) {
      const value = cdata ?? unescape(chars!);
      if (stack.length) stack[stack.length - 1]!.text += value;
      else if (value.trim()) throw new Error("text outside the root element");
      continue;
    }
    if (local === undefined) continue; // comment or processing instruction
    if (++tags > MAX_TAGS) throw new Error("too many elements");
    if (slash) {
      const open = stack.pop();
      if (!open || open.name !== local) throw new Error(`unbalanced </${local}>`);
      if (!open.hasChildren && !leaves.has(local)) leaves.set(local, open.text.trim());
      if (stack.length === 0) closedRoot = true;
      continue;
    }
    if (closedRoot) throw new Error("a second root element");
    if (stack.length) stack[stack.length - 1]!.hasChildren = true;
    if (root === null) {
      root = local;
      namespace = /\sxmlns\s*=\s*["']([^"']*)["']/.exec(attrs ?? "")?.[1] ?? "";
    }
    if (stack.length >= 32) throw new Error("nesting too deep");
    if (selfClose) {
      if (!leaves.has(local)) leaves.set(local, "");
      if (stack.length === 0) closedRoot = true;
    } else stack.push({ name: local, text: "", hasChildren: false });
  }
  if (root === null) throw new Error("no root element");
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  return { root, namespace, leaves };
}

function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);|&/g, (whole, ref: string | undefined) => {
    if (!ref) throw new Error("bare '&'");
    if (ref[0] === "#") return String.fromCodePoint(ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (!(ref in named)) throw new Error(`unknown entity ${whole}`);
    return named[ref]!;
  });
}

/** Escapes text for the simulator's output. */
export function esc(value: string | number | boolean): string {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `<name>inner</name>`, or `<name/>` when inner is empty; inner is raw XML (escape text with {@link esc}). */
export function tag(name: string, inner = ""): string {
  return inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** A leaf with escaped text. */
export function leaf(name: string, value: string | number | boolean): string {
  return `<${name}>${esc(value)}</${name}>`;
}

/** A complete document with an XML declaration and the root's namespace. */
export function xmlDocument(root: string, namespace: string, inner = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${esc(namespace)}">${inner}</${root}>`;
}

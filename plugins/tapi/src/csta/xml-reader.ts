/**
 * A small, safe, namespace-aware XML reader for CSTA messages (the client side of the link).
 *
 * Why not a library: CSTA messages are small data documents, the project has no XML dependency
 * for plugins, and a hostile or broken PBX must not be able to hurt the hub. Why not the SIP
 * plugin's reader: it is private to that package; a shared safe reader may belong in the core
 * one day (see the plugin README), until then this one is the plugin's own.
 *
 * Safety model: any `<!DOCTYPE` is refused, so there is no entity declaration, no entity
 * expansion and no external fetch; only the five predefined entities and numeric character
 * references are decoded. Size, nesting depth, element count, attributes per element and text
 * length are bounded, and every scan moves forward, so the cost is linear in the input.
 *
 * Names resolve to `{ ns, name }` (namespace URI and local name): prefixes are per document
 * and never relied upon.
 */

/** Hard bounds applied while reading; exceeding one fails the read. */
export interface XmlLimits {
  /** Maximum document size in UTF-16 code units (a CSTA frame is at most 64 KiB). */
  readonly maxChars: number;
  /** Maximum element nesting depth (the root is depth 1). */
  readonly maxDepth: number;
  /** Maximum number of elements. */
  readonly maxElements: number;
  /** Maximum attributes on one element, namespace declarations included. */
  readonly maxAttributes: number;
  /** Maximum character data directly inside one element, and maximum attribute value length. */
  readonly maxTextLength: number;
}

/** Defaults sized for CSTA: the largest real messages (snapshots, private data) are a few KiB. */
export const CSTA_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxChars: 64 * 1024,
  maxDepth: 32,
  maxElements: 5_000,
  maxAttributes: 32,
  maxTextLength: 16 * 1024,
});

/** Why a document was refused (stable strings, for logs and counters). */
export type XmlErrorCode = "too-large" | "doctype" | "too-deep" | "too-many-elements" | "too-many-attributes" | "text-too-long" | "bad-character" | "bad-reference" | "unbound-prefix" | "encoding" | "malformed";

/** A document the reader refused. */
export class XmlSyntaxError extends Error {
  override readonly name = "XmlSyntaxError";

  constructor(
    readonly code: XmlErrorCode,
    message: string,
    /** Offset in the decoded text where reading stopped. */
    readonly offset: number,
  ) {
    super(`${message} (at ${offset})`);
  }
}

/** An attribute by namespace URI (empty for unprefixed attributes) and local name. */
export interface XmlAttr {
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

/**
 * One element: namespace URI, local name, attributes, child elements and its own character data
 * (CDATA included, references decoded, not trimmed). Comments and processing instructions are
 * dropped.
 */
export interface XmlNode {
  readonly ns: string;
  readonly name: string;
  readonly attrs: readonly XmlAttr[];
  readonly children: readonly XmlNode[];
  readonly text: string;
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";
// C0 controls other than TAB, LF and CR are never allowed in XML 1.0; one regex pass is
// cheaper than a per-character check and stops binary garbage with a clear reason.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME = /^[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*(?::[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*)?$/;
const ENCODING = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes bytes as UTF-8, or ISO-8859-1 when the XML declaration says so (some PBXs and the
 * BroadSoft feature-event bodies declare it). Throws {@link XmlSyntaxError} otherwise.
 */
export function decodeXmlBytes(bytes: Uint8Array, limits: XmlLimits = CSTA_XML_LIMITS): string {
  if (bytes.length > limits.maxChars) throw new XmlSyntaxError("too-large", `document exceeds ${limits.maxChars} bytes`, 0);
  if (bytes[0] === 0x3c && bytes[1] === 0x3f) {
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 100)).toString("latin1");
    const enc = ENCODING.exec(head)?.[1]?.toLowerCase();
    if (enc === "iso-8859-1" || enc === "latin1" || enc === "iso_8859-1") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
    if (enc && enc !== "utf-8" && enc !== "utf8" && enc !== "us-ascii" && enc !== "ascii") throw new XmlSyntaxError("encoding", `unsupported encoding ${enc}`, 0);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new XmlSyntaxError("encoding", "invalid UTF-8", 0);
  }
}

/** Reads a whole document (text or bytes) into a tree. Throws {@link XmlSyntaxError}. */
export function readXml(input: string | Uint8Array, limits: XmlLimits = CSTA_XML_LIMITS): XmlNode {
  const text = typeof input === "string" ? input : decodeXmlBytes(input, limits);
  if (text.length > limits.maxChars) throw new XmlSyntaxError("too-large", `document exceeds ${limits.maxChars} characters`, 0);
  const bad = FORBIDDEN.exec(text);
  if (bad) throw new XmlSyntaxError("bad-character", "control character in document", bad.index);
  return new Reader(text, limits).read();
}

/** The first child element with this local name, in the parent's namespace unless told. */
export function child(parent: XmlNode | undefined, name: string, ns: string | undefined = parent?.ns): XmlNode | undefined {
  if (!parent) return undefined;
  for (const c of parent.children) if (c.name === name && c.ns === ns) return c;
  return undefined;
}

/** Every child element with this local name, in the parent's namespace unless told. */
export function childrenNamed(parent: XmlNode | undefined, name: string, ns: string | undefined = parent?.ns): XmlNode[] {
  return parent ? parent.children.filter((c) => c.name === name && c.ns === ns) : [];
}

/** The trimmed text of a child (or of a path of children), or undefined when absent. */
export function childText(parent: XmlNode | undefined, ...path: string[]): string | undefined {
  let node = parent;
  for (const name of path) node = child(node, name);
  return node ? node.text.trim() : undefined;
}

/** The first element with this local name below `root` (depth first, root excluded), in root's namespace. */
export function descendant(root: XmlNode | undefined, name: string, ns: string | undefined = root?.ns): XmlNode | undefined {
  if (!root) return undefined;
  const stack = [...root.children].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (n.name === name && n.ns === ns) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return undefined;
}

/** The value of an unprefixed attribute, or undefined. */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  return node?.attrs.find((a) => a.ns === "" && a.name === name)?.value;
}

interface Open {
  readonly qname: string;
  readonly scope: ReadonlyMap<string, string>;
  readonly children: XmlNode[];
  text: string;
  readonly node: { ns: string; name: string; attrs: readonly XmlAttr[]; children: XmlNode[]; text: string };
}

class Reader {
  private pos = 0;
  private elements = 0;

  constructor(
    private readonly s: string,
    private readonly lim: XmlLimits,
  ) {}

  read(): XmlNode {
    if (this.s.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.misc(true);
    if (this.s[this.pos] !== "<") this.fail("malformed", "no root element");
    const root = this.element();
    this.misc(false);
    if (this.pos < this.s.length) this.fail("malformed", "content after the root element");
    return root;
  }

  /** Whitespace, comments and processing instructions outside the root; a DOCTYPE is refused. */
  private misc(prolog: boolean): void {
    const s = this.s;
    for (;;) {
      while (this.pos < s.length && isSpace(s.charCodeAt(this.pos))) this.pos++;
      if (s.startsWith("<?", this.pos)) this.skipTo("?>");
      else if (s.startsWith("<!--", this.pos)) this.skipTo("-->");
      else if (s.startsWith("<!", this.pos)) this.fail("doctype", prolog ? "DOCTYPE and declarations are not accepted" : "declaration after the root element");
      else return;
    }
  }

  private skipTo(end: string): void {
    const i = this.s.indexOf(end, this.pos);
    if (i < 0) this.fail("malformed", `unterminated ${end === "-->" ? "comment" : "processing instruction"}`);
    this.pos = i + end.length;
  }

  /** Reads the root element and everything in it, iteratively (no recursion on hostile depth). */
  private element(): XmlNode {
    const s = this.s;
    const stack: Open[] = [];
    let root: XmlNode | null = null;
    const open = (parentScope: ReadonlyMap<string, string>): void => {
      const o = this.startTag(parentScope);
      if (stack.length + 1 > this.lim.maxDepth) this.fail("too-deep", `nesting deeper than ${this.lim.maxDepth}`);
      if (o.selfClosing) {
        if (stack.length === 0) root = o.open.node;
        else stack[stack.length - 1]!.children.push(o.open.node);
      } else stack.push(o.open);
    };
    open(new Map([["xml", XML_NS]]));
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const lt = s.indexOf("<", this.pos);
      if (lt < 0) this.fail("malformed", `unclosed element <${top.qname}>`);
      if (lt > this.pos) this.appendText(top, this.decode(s.slice(this.pos, lt), this.pos));
      this.pos = lt;
      if (s.startsWith("</", lt)) {
        const gt = s.indexOf(">", lt);
        if (gt < 0) this.fail("malformed", "unterminated end tag");
        const name = s.slice(lt + 2, gt).trim();
        if (name !== top.qname) this.fail("malformed", `</${name}> does not close <${top.qname}>`);
        this.pos = gt + 1;
        stack.pop();
        top.node.text = top.text;
        if (stack.length === 0) root = top.node;
        else stack[stack.length - 1]!.children.push(top.node);
      } else if (s.startsWith("<!--", lt)) this.skipTo("-->");
      else if (s.startsWith("<![CDATA[", lt)) {
        const end = s.indexOf("]]>", lt + 9);
        if (end < 0) this.fail("malformed", "unterminated CDATA section");
        this.appendText(top, s.slice(lt + 9, end));
        this.pos = end + 3;
      } else if (s.startsWith("<?", lt)) this.skipTo("?>");
      else if (s.startsWith("<!", lt)) this.fail("doctype", "declarations are not accepted inside an element");
      else open(top.scope);
    }
    return root!;
  }

  private appendText(o: Open, text: string): void {
    if (o.text.length + text.length > this.lim.maxTextLength) this.fail("text-too-long", `text longer than ${this.lim.maxTextLength}`);
    o.text += text;
  }

  private startTag(parentScope: ReadonlyMap<string, string>): { open: Open; selfClosing: boolean } {
    const s = this.s;
    if (++this.elements > this.lim.maxElements) this.fail("too-many-elements", `more than ${this.lim.maxElements} elements`);
    let i = this.pos + 1;
    const nameStart = i;
    while (i < s.length && !isSpace(s.charCodeAt(i)) && s[i] !== ">" && s[i] !== "/") i++;
    const qname = s.slice(nameStart, i);
    if (!NAME.test(qname)) this.fail("malformed", `bad element name ${JSON.stringify(qname.slice(0, 40))}`);
    const raw: [string, string][] = [];
    let selfClosing = false;
    for (;;) {
      while (i < s.length && isSpace(s.charCodeAt(i))) i++;
      if (i >= s.length) this.fail("malformed", "unterminated start tag");
      if (s[i] === ">") {
        i++;
        break;
      }
      if (s[i] === "/" && s[i + 1] === ">") {
        i += 2;
        selfClosing = true;
        break;
      }
      const eq = s.indexOf("=", i);
      if (eq < 0) this.fail("malformed", "attribute without value");
      const aname = s.slice(i, eq).trim();
      if (!NAME.test(aname)) this.fail("malformed", `bad attribute name ${JSON.stringify(aname.slice(0, 40))}`);
      i = eq + 1;
      while (i < s.length && isSpace(s.charCodeAt(i))) i++;
      const quote = s[i];
      if (quote !== '"' && quote !== "'") this.fail("malformed", "attribute value must be quoted");
      const end = s.indexOf(quote, i + 1);
      if (end < 0) this.fail("malformed", "unterminated attribute value");
      const value = s.slice(i + 1, end);
      if (value.length > this.lim.maxTextLength) this.fail("text-too-long", "attribute value too long");
      if (value.includes("<")) this.fail("malformed", "'<' in attribute value");
      if (raw.length >= this.lim.maxAttributes) this.fail("too-many-attributes", `more than ${this.lim.maxAttributes} attributes`);
      if (raw.some(([n]) => n === aname)) this.fail("malformed", `duplicate attribute ${aname}`);
      raw.push([aname, this.decode(value, i + 1)]);
      i = end + 1;
    }
    this.pos = i;
    // Namespace declarations first: they apply to the element's own name and attributes.
    let scope = parentScope;
    for (const [n, v] of raw) {
      if (n === "xmlns" || n.startsWith("xmlns:")) {
        if (scope === parentScope) scope = new Map(parentScope);
        (scope as Map<string, string>).set(n === "xmlns" ? "" : n.slice(6), v);
      }
    }
    const attrs: XmlAttr[] = [];
    for (const [n, v] of raw) {
      if (n === "xmlns" || n.startsWith("xmlns:")) continue;
      const c = n.indexOf(":");
      attrs.push(c < 0 ? { ns: "", name: n, value: v } : { ns: this.resolve(scope, n.slice(0, c)), name: n.slice(c + 1), value: v });
    }
    const c = qname.indexOf(":");
    const node = { ns: c < 0 ? (scope.get("") ?? "") : this.resolve(scope, qname.slice(0, c)), name: c < 0 ? qname : qname.slice(c + 1), attrs, children: [] as XmlNode[], text: "" };
    return { open: { qname, scope, children: node.children, text: "", node }, selfClosing };
  }

  private resolve(scope: ReadonlyMap<string, string>, prefix: string): string {
    const uri = scope.get(prefix);
    if (uri === undefined || uri === "") this.fail("unbound-prefix", `prefix ${prefix} is not bound`);
    return uri;
  }

  /** Decodes the predefined entities and numeric character references; anything else is refused. */
  private decode(raw: string, at: number): string {
    if (!raw.includes("&")) return raw;
    return raw.replace(/&([^;&\s]{0,12});?/g, (m, ref: string) => {
      if (!m.endsWith(";")) this.fail("bad-reference", "'&' that starts no reference", at);
      switch (ref) {
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "amp":
          return "&";
        case "quot":
          return '"';
        case "apos":
          return "'";
      }
      const code = /^#x[0-9A-Fa-f]{1,6}$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]{1,7}$/.test(ref) ? parseInt(ref.slice(1), 10) : -1;
      if (code < 0) this.fail("bad-reference", `unknown entity &${ref};`, at);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || (code < 0x20 && code !== 9 && code !== 10 && code !== 13)) {
        this.fail("bad-reference", `character reference &${ref}; is not an XML character`, at);
      }
      return String.fromCodePoint(code);
    });
  }

  private fail(code: XmlErrorCode, message: string, at = this.pos): never {
    throw new XmlSyntaxError(code, message, at);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * A small, safe, namespace-aware XML reader for documents from peers: SIP NOTIFY bodies (PIDF,
 * dialog-info, RLMI, as-feature-event) and CSTA messages. One reader for every plugin, so the
 * safety rules below are written, tested and fixed once.
 *
 * Why not a library: fast-xml-parser costs ~35 µs per PIDF and matches by prefix unless told
 * otherwise (../notes/performance-measurements.md §2a); the documents we read are small and
 * data-oriented, so a hand-written reader that builds a compact tree is both faster and easier
 * to make safe.
 *
 * Safety model: every `<!DOCTYPE` is rejected outright, so there is no internal or external
 * entity, no entity expansion ("billion laughs") and no external fetch. Only the five
 * predefined entities and numeric character references are decoded. Input size, depth,
 * element count, attributes per element and attribute/text lengths are bounded, and every
 * scan is a forward `indexOf`, so the cost is linear in the input and a hostile document costs
 * at most one pass over at most `maxBytes`. Where XML says a document is not well-formed
 * (duplicate attributes or namespace declarations, reserved or empty prefix bindings, names
 * with characters XML does not allow), it is refused rather than guessed at.
 *
 * Names are resolved to `{namespaceURI, localName}`: prefixes are per document and must never
 * be relied on (a body may bind `p:` to PIDF, or `rpid:` to the wrong namespace).
 *
 * Measured on this machine (Node 20.20, `taskset -c 1`, median of 7 × 200k iterations after
 * 100k warm-up, Buffer in, UTF-8 decoding included): a 613-byte PIDF+RPID body is read in
 * ~4.1 µs (~5.0 µs through dispatchBody to a PidfDocument, ~6.1 µs to a RichReport), and a
 * 902-byte two-dialog dialog-info body in ~5.9 µs (~7.8 µs to a TelephonyReport through the
 * tracker). fast-xml-parser costs ~35 µs / ~53 µs for such bodies (performance-measurements.md §2a).
 * Counting dropped whitespace towards `maxTextLength` (the stricter rule of the CTI client's
 * reader, kept when the two were made one) adds ~0.2 µs to that: Kamailio's 462-byte PIDF and
 * 653-byte dialog-info fixtures went from 3.4 to 3.6 µs and from 4.9 to 5.2 µs (best of 7 runs).
 */

/** Bounds applied while reading; all are hard limits that make the read fail. */
export interface XmlLimits {
  /** Maximum input size, in bytes for byte input and UTF-16 code units for string input. */
  readonly maxBytes: number;
  /** Maximum element nesting depth (the root is depth 1). */
  readonly maxDepth: number;
  /** Maximum number of elements in the document. */
  readonly maxElements: number;
  /** Maximum attributes on one element, namespace declarations included. */
  readonly maxAttributes: number;
  /** Maximum length of one attribute value (raw, before reference decoding). */
  readonly maxAttributeLength: number;
  /**
   * Maximum length of the character data directly inside one element, counting the whitespace
   * between its children too (it is character data, even though the tree does not keep it).
   */
  readonly maxTextLength: number;
  /** Maximum namespace declarations in scope at once (bounds the cost of resolving a prefix). */
  readonly maxNamespacesInScope: number;
}

/**
 * Defaults sized for SIP NOTIFY bodies: a large RLS NOTIFY is tens of KiB, not hundreds. Other
 * protocols pass their own (the CTI client's CSTA limits are smaller).
 */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxBytes: 256 * 1024,
  maxDepth: 32,
  maxElements: 20_000,
  maxAttributes: 32,
  maxAttributeLength: 8 * 1024,
  maxTextLength: 64 * 1024,
  maxNamespacesInScope: 64,
});

/** Why a document was refused; stable strings, suitable for logs and counters. */
export type XmlErrorCode =
  | "too-large"
  | "doctype"
  | "too-deep"
  | "too-many-elements"
  | "too-many-attributes"
  | "attribute-too-long"
  | "text-too-long"
  | "too-many-namespaces"
  | "bad-character"
  | "bad-reference"
  | "unbound-prefix"
  | "encoding"
  | "truncated"
  | "malformed";

/** A document the reader refused, with a short reason and where it stopped. */
export class XmlError extends Error {
  override readonly name = "XmlError";

  constructor(
    /** Machine-readable reason. */
    readonly code: XmlErrorCode,
    message: string,
    /** Character offset in the decoded document where reading stopped (0 for up-front checks). */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** An attribute, by namespace URI and local name; unprefixed attributes have no namespace (""). */
export interface XmlAttribute {
  readonly namespaceURI: string;
  readonly localName: string;
  readonly value: string;
}

/**
 * An element of the compact tree. `text` is the element's own character data (CDATA included,
 * references decoded); whitespace-only runs between child elements are dropped, so consumers
 * should trim. Comments and processing instructions are not kept.
 */
export interface XmlElement {
  readonly namespaceURI: string;
  readonly localName: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  readonly text: string;
}

/** Outcome of {@link readXml}: the root element, or why the document was refused. */
export type XmlReadResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly error: XmlError };

/** The namespace the `xml:` prefix is always bound to (`xml:lang`). */
export const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";

/**
 * The root element of a body given as bytes or text (read with {@link readXml}), or taken as is
 * when the caller already read it (a multipart part). Bad XML gives `{ ok: false, code, reason }`,
 * the failure shape the SIP body parsers return.
 */
export function readRoot(input: string | Uint8Array | XmlElement, limits?: Partial<XmlLimits>): { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly code: XmlErrorCode; readonly reason: string } {
  if (!(typeof input === "string" || input instanceof Uint8Array)) return { ok: true, root: input };
  const read = readXml(input, limits);
  return read.ok ? read : { ok: false, code: read.error.code, reason: read.error.message };
}

/**
 * Reads a whole document into a compact tree. Never throws for bad input: a malformed or
 * hostile document yields `{ ok: false, error }`.
 *
 * Byte input is decoded as UTF-8 (strictly: invalid sequences are refused), or as ISO-8859-1
 * when the XML declaration says so (Asterisk chan_sip, Kamailio and some PBXs' CTI interfaces
 * declare it). UTF-16 is not supported; neither SIP presence servers nor CSTA switches send it.
 */
export function readXml(input: string | Uint8Array, limits?: Partial<XmlLimits>): XmlReadResult {
  const lim = limits ? fullLimits(limits) : DEFAULT_XML_LIMITS;
  try {
    const text = typeof input === "string" ? checkedString(input, lim) : decode(input, lim);
    return { ok: true, root: new Reader(text, lim).read() };
  } catch (e) {
    if (e instanceof XmlError) return { ok: false, error: e };
    throw e;
  }
}

/** Callers pass the same constant limits for every document: merged with the defaults once each. */
const mergedLimits = new WeakMap<Partial<XmlLimits>, XmlLimits>();
function fullLimits(limits: Partial<XmlLimits>): XmlLimits {
  let full = mergedLimits.get(limits);
  if (!full) mergedLimits.set(limits, (full = { ...DEFAULT_XML_LIMITS, ...limits }));
  return full;
}

/** The value of an attribute by local name (and namespace, default none), or undefined. */
export function attributeValue(element: XmlElement, localName: string, namespaceURI = ""): string | undefined {
  const attrs = element.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.localName === localName && a.namespaceURI === namespaceURI) return a.value;
  }
  return undefined;
}

/** The first child element with this namespace and local name, or undefined. */
export function firstChild(element: XmlElement, namespaceURI: string, localName: string): XmlElement | undefined {
  const kids = element.children;
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!;
    if (k.localName === localName && k.namespaceURI === namespaceURI) return k;
  }
  return undefined;
}

/** The trimmed text of the first matching child, or undefined when there is no such child. */
export function childText(element: XmlElement, namespaceURI: string, localName: string): string | undefined {
  const child = firstChild(element, namespaceURI, localName);
  return child === undefined ? undefined : child.text.trim();
}

// ---------------------------------------------------------------------------------------------
// Decoding and up-front checks

// Characters XML 1.0 forbids anywhere (C0 controls except TAB/LF/CR, and U+FFFE/U+FFFF). One
// regex pass is cheaper than testing every character in the scanner, and it stops garbage bytes
// early with a clear reason.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkedString(text: string, lim: XmlLimits): string {
  if (text.length > lim.maxBytes) throw new XmlError("too-large", `document exceeds ${lim.maxBytes} bytes`, 0);
  return text;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const ENCODING_DECL = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

function decode(bytes: Uint8Array, lim: XmlLimits): string {
  // Size first, before any work: a 10 MB body costs one comparison.
  if (bytes.length > lim.maxBytes) throw new XmlError("too-large", `document exceeds ${lim.maxBytes} bytes`, 0);
  if (bytes.length >= 2 && ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe))) {
    throw new XmlError("encoding", "UTF-16 documents are not supported", 0);
  }
  if (bytes[0] === 0x3c && bytes[1] === 0x3f) {
    // Look at the declaration only (ASCII by definition) to pick the decoder.
    const head = latin1(bytes, Math.min(bytes.length, 120));
    const m = ENCODING_DECL.exec(head);
    if (m) {
      const enc = m[1]!.toLowerCase();
      if (enc === "iso-8859-1" || enc === "latin1" || enc === "iso_8859-1") return latin1(bytes, bytes.length);
      if (enc !== "utf-8" && enc !== "utf8" && enc !== "us-ascii" && enc !== "ascii") {
        throw new XmlError("encoding", `unsupported encoding ${JSON.stringify(m[1])}`, 0);
      }
    }
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new XmlError("encoding", "invalid UTF-8", 0);
  }
}

function latin1(bytes: Uint8Array, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("latin1");
}

// ---------------------------------------------------------------------------------------------
// The reader

const EMPTY_ATTRS: readonly XmlAttribute[] = Object.freeze([]);
const EMPTY_CHILDREN: readonly XmlElement[] = Object.freeze([]);

/** Mutable while reading, exposed read-only. One shape for every element keeps V8 monomorphic. */
class Node implements XmlElement {
  children: XmlElement[] = EMPTY_CHILDREN as XmlElement[];
  text = "";
  /** Whitespace-only character data between children: dropped, but counted against `maxTextLength`. */
  dropped = 0;

  constructor(
    readonly namespaceURI: string,
    readonly localName: string,
    readonly attributes: readonly XmlAttribute[],
    /** Raw `prefix:local` name, to match the end tag. */
    readonly qname: string,
    /** Namespace bindings in scope before this element, restored at its end tag. */
    readonly outerScope: Binding | null,
  ) {}
}

/** Namespace bindings as a linked list: documents declare a handful, lookups walk a few links. */
interface Binding {
  readonly prefix: string;
  readonly uri: string;
  readonly next: Binding | null;
  /** Bindings in this chain, so a hostile document cannot make every lookup walk thousands. */
  readonly size: number;
}

const XML_BINDING: Binding = { prefix: "xml", uri: XML_NAMESPACE, next: null, size: 1 };

// ASCII name classes: 1 = may start a name, 2 = may continue a name. From U+00C0 on, every
// character but × and ÷ is accepted as both (the documents we read are ASCII; exact Unicode
// classes buy nothing here); below it only U+00B7 (middle dot) may continue a name.
const NAME_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58;
  const more = (c >= 48 && c <= 57) || c === 45 || c === 46;
  NAME_CLASS[c] = letter ? 3 : more ? 2 : 0;
}

function isNameStart(c: number): boolean {
  return c < 128 ? (NAME_CLASS[c]! & 1) !== 0 : c >= 0xc0 && c !== 0xd7 && c !== 0xf7;
}

function isNameChar(c: number): boolean {
  return c < 128 ? NAME_CLASS[c] !== 0 : c === 0xb7 || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

class Reader {
  private readonly stack: Node[] = [];
  private root: Node | null = null;
  private scope: Binding | null = XML_BINDING;
  private elements = 0;
  // Reused per start tag, so reading attributes allocates only the final attribute objects.
  private readonly rawNames: string[] = [];
  private readonly rawValues: string[] = [];

  constructor(
    private readonly s: string,
    private readonly lim: XmlLimits,
  ) {}

  read(): XmlElement {
    const s = this.s;
    const n = s.length;
    if (FORBIDDEN_CHARS.test(s)) {
      const at = s.search(FORBIDDEN_CHARS);
      this.fail("bad-character", `control character U+${s.charCodeAt(at).toString(16).padStart(4, "0")} is not allowed`, at);
    }
    let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
    while (i < n) {
      const lt = s.indexOf("<", i);
      if (lt === -1) {
        this.text(i, n);
        break;
      }
      if (lt > i) this.text(i, lt);
      const c = s.charCodeAt(lt + 1);
      if (c === 47) i = this.endTag(lt);
      else if (c === 33) i = this.markup(lt);
      else if (c === 63) i = this.processingInstruction(lt);
      else i = this.startTag(lt);
    }
    const open = this.stack[this.stack.length - 1];
    if (open) this.fail("truncated", `document ends inside <${open.qname}>`, n);
    if (!this.root) this.fail("truncated", "no root element", n);
    return this.root!;
  }

  private fail(code: XmlErrorCode, message: string, at: number): never {
    throw new XmlError(code, message, at);
  }

  private text(from: number, to: number): void {
    const s = this.s;
    let k = from;
    while (k < to && isSpace(s.charCodeAt(k))) k++;
    if (k === to) return this.dropBlanks(to - from, from);
    const node = this.stack[this.stack.length - 1];
    if (!node) this.fail("malformed", "text outside the root element", k);
    let chunk = s.slice(from, to);
    if (chunk.indexOf("&") !== -1) chunk = this.decodeReferences(chunk, from);
    this.appendText(node, chunk, from);
  }

  /**
   * A whitespace-only run is formatting between elements and is not kept. It still counts as the
   * element's character data, so blanks alone cannot make that unbounded.
   */
  private dropBlanks(length: number, at: number): void {
    const node = this.stack[this.stack.length - 1];
    if (node === undefined) return; // before or after the root element
    node.dropped += length;
    this.checkTextLength(node, 0, at);
  }

  private appendText(node: Node, chunk: string, at: number): void {
    this.checkTextLength(node, chunk.length, at);
    node.text = node.text === "" ? chunk : node.text + chunk;
  }

  private checkTextLength(node: Node, more: number, at: number): void {
    if (node.text.length + node.dropped + more > this.lim.maxTextLength) {
      this.fail("text-too-long", `text of <${node.qname}> exceeds ${this.lim.maxTextLength} characters`, at);
    }
  }

  /** `<!--`, `<![CDATA[`, and the refused `<!DOCTYPE` / other declarations. */
  private markup(lt: number): number {
    const s = this.s;
    if (s.startsWith("<!--", lt)) {
      const end = s.indexOf("-->", lt + 4);
      if (end === -1) this.fail("truncated", "unterminated comment", lt);
      return end + 3;
    }
    if (s.startsWith("<![CDATA[", lt)) {
      const node = this.stack[this.stack.length - 1];
      if (!node) this.fail("malformed", "CDATA outside the root element", lt);
      const end = s.indexOf("]]>", lt + 9);
      if (end === -1) this.fail("truncated", "unterminated CDATA section", lt);
      if (end > lt + 9) this.appendText(node, s.slice(lt + 9, end), lt);
      return end + 3;
    }
    // Refusing every DOCTYPE is the whole defence against entity expansion and external
    // entities: without a DTD there is nothing to expand and nothing to fetch.
    if (s.slice(lt + 2, lt + 9).toUpperCase() === "DOCTYPE") this.fail("doctype", "DOCTYPE is not allowed", lt);
    return this.fail("malformed", "unexpected markup declaration", lt);
  }

  private processingInstruction(lt: number): number {
    const end = this.s.indexOf("?>", lt + 2);
    if (end === -1) this.fail("truncated", "unterminated processing instruction", lt);
    if (!isNameStart(this.s.charCodeAt(lt + 2))) this.fail("malformed", "processing instruction without a target", lt);
    return end + 2;
  }

  /** Scans a name from `i`; returns its end. */
  private name(i: number): number {
    const s = this.s;
    if (!isNameStart(s.charCodeAt(i))) {
      this.fail(i >= s.length ? "truncated" : "malformed", i >= s.length ? "document ends inside a tag" : "expected a name", i);
    }
    i++;
    while (isNameChar(s.charCodeAt(i))) i++;
    return i;
  }

  private startTag(lt: number): number {
    const s = this.s;
    const lim = this.lim;
    const nameEnd = this.name(lt + 1);
    const qname = s.slice(lt + 1, nameEnd);
    if (this.stack.length >= lim.maxDepth) this.fail("too-deep", `nesting deeper than ${lim.maxDepth}`, lt);
    if (++this.elements > lim.maxElements) this.fail("too-many-elements", `more than ${lim.maxElements} elements`, lt);
    const names = this.rawNames;
    const values = this.rawValues;
    names.length = 0;
    values.length = 0;
    let i = nameEnd;
    let selfClosing = false;
    for (;;) {
      const before = i;
      let c = s.charCodeAt(i);
      while (isSpace(c)) c = s.charCodeAt(++i);
      if (c === 62) {
        i++;
        break;
      }
      if (c === 47) {
        if (s.charCodeAt(i + 1) !== 62) this.fail(i + 1 >= s.length ? "truncated" : "malformed", "expected '>' after '/'", i);
        i += 2;
        selfClosing = true;
        break;
      }
      if (i >= s.length) this.fail("truncated", `document ends inside <${qname}>`, i);
      if (i === before) this.fail("malformed", "expected whitespace before an attribute", i);
      const attrEnd = this.name(i);
      const attrName = s.slice(i, attrEnd);
      i = attrEnd;
      c = s.charCodeAt(i);
      while (isSpace(c)) c = s.charCodeAt(++i);
      if (c !== 61) this.fail(i >= s.length ? "truncated" : "malformed", `expected '=' after attribute ${attrName}`, i);
      c = s.charCodeAt(++i);
      while (isSpace(c)) c = s.charCodeAt(++i);
      if (c !== 34 && c !== 39) this.fail(i >= s.length ? "truncated" : "malformed", `attribute ${attrName} is not quoted`, i);
      const close = s.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close === -1) this.fail("truncated", `unterminated value of attribute ${attrName}`, i);
      if (close - i - 1 > lim.maxAttributeLength) this.fail("attribute-too-long", `attribute ${attrName} exceeds ${lim.maxAttributeLength} characters`, i);
      if (names.length >= lim.maxAttributes) this.fail("too-many-attributes", `more than ${lim.maxAttributes} attributes on <${qname}>`, i);
      names.push(attrName);
      values.push(this.attributeText(s.slice(i + 1, close), i + 1));
      i = close + 1;
    }

    // Namespace declarations first: they apply to the element's own name and attributes.
    const outer = this.scope;
    let scope = outer;
    for (let k = 0; k < names.length; k++) {
      const an = names[k]!;
      if (an === "xmlns") {
        scope = this.bind("", values[k]!, scope, outer, lt);
      } else if (an.startsWith("xmlns:")) {
        const prefix = an.slice(6);
        const uri = values[k]!;
        if (prefix === "" || prefix.indexOf(":") !== -1) this.fail("malformed", `bad namespace declaration ${an}`, lt);
        if (uri === "") this.fail("malformed", `prefix ${prefix} bound to an empty namespace`, lt);
        if ((prefix === "xml") !== (uri === XML_NAMESPACE) || prefix === "xmlns" || uri === XMLNS_NAMESPACE) {
          this.fail("malformed", `reserved namespace binding ${an}`, lt);
        }
        scope = this.bind(prefix, uri, scope, outer, lt);
      }
    }
    this.scope = scope;

    const colon = qname.indexOf(":");
    let ns: string;
    let local: string;
    if (colon === -1) {
      ns = this.lookup("", lt) ?? "";
      local = qname;
    } else {
      local = this.localPart(qname, colon, lt);
      ns = this.lookup(qname.slice(0, colon), lt)!;
    }

    let attrs: readonly XmlAttribute[] = EMPTY_ATTRS;
    if (names.length > 0) {
      const list: XmlAttribute[] = [];
      for (let k = 0; k < names.length; k++) {
        const an = names[k]!;
        if (an === "xmlns" || an.startsWith("xmlns:")) continue;
        const ac = an.indexOf(":");
        // Unprefixed attributes are in no namespace, whatever the default namespace is.
        const ans = ac === -1 ? "" : this.lookup(an.slice(0, ac), lt)!;
        const alocal = ac === -1 ? an : this.localPart(an, ac, lt);
        for (let j = 0; j < list.length; j++) {
          if (list[j]!.localName === alocal && list[j]!.namespaceURI === ans) this.fail("malformed", `duplicate attribute ${an}`, lt);
        }
        list.push({ namespaceURI: ans, localName: alocal, value: values[k]! });
      }
      if (list.length > 0) attrs = list;
    }

    const node = new Node(ns, local, attrs, qname, outer);
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      if (parent.children === EMPTY_CHILDREN) parent.children = [node];
      else parent.children.push(node);
    } else {
      if (this.root) this.fail("malformed", "more than one root element", lt);
      this.root = node;
    }
    if (selfClosing) this.scope = outer;
    else this.stack.push(node);
    return i;
  }

  /**
   * Adds one of an element's namespace declarations. `outer` is the scope before the element, so
   * the bindings from `next` back to it are the ones this element already declared.
   */
  private bind(prefix: string, uri: string, next: Binding | null, outer: Binding | null, at: number): Binding {
    // A prefix declared twice on one element is a duplicate attribute: which binding would win
    // is exactly the kind of guess a hostile document could exploit.
    for (let b = next; b !== outer && b !== null; b = b.next) {
      if (b.prefix === prefix) this.fail("malformed", `duplicate attribute ${prefix === "" ? "xmlns" : `xmlns:${prefix}`}`, at);
    }
    const size = (next?.size ?? 0) + 1;
    if (size > this.lim.maxNamespacesInScope + 1) this.fail("too-many-namespaces", `more than ${this.lim.maxNamespacesInScope} namespace declarations in scope`, at);
    return { prefix, uri, next, size };
  }

  private localPart(qname: string, colon: number, at: number): string {
    const local = qname.slice(colon + 1);
    if (colon === 0 || local === "" || local.indexOf(":") !== -1) this.fail("malformed", `bad qualified name ${qname}`, at);
    return local;
  }

  /** Resolves a prefix ("" = default namespace). Unbound non-empty prefixes are an error. */
  private lookup(prefix: string, at: number): string | undefined {
    for (let b = this.scope; b !== null; b = b.next) if (b.prefix === prefix) return b.uri;
    if (prefix === "") return undefined;
    return this.fail("unbound-prefix", `namespace prefix ${prefix} is not declared`, at);
  }

  private endTag(lt: number): number {
    const s = this.s;
    const nameEnd = this.name(lt + 2);
    let i = nameEnd;
    while (isSpace(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 62) this.fail(i >= s.length ? "truncated" : "malformed", "expected '>' in end tag", i);
    const qname = s.slice(lt + 2, nameEnd);
    const node = this.stack.pop();
    if (!node) this.fail("malformed", `unexpected end tag </${qname}>`, lt);
    if (node.qname !== qname) this.fail("malformed", `end tag </${qname}> does not match <${node.qname}>`, lt);
    this.scope = node.outerScope;
    return i + 1;
  }

  private attributeText(raw: string, at: number): string {
    if (raw.indexOf("<") !== -1) this.fail("malformed", "'<' in an attribute value", at);
    // Attribute-value normalisation (XML 1.0 §3.3.3): literal TAB/CR/LF become spaces.
    if (raw.indexOf("\n") !== -1 || raw.indexOf("\r") !== -1 || raw.indexOf("\t") !== -1) raw = raw.replace(/[\t\n\r]/g, " ");
    return raw.indexOf("&") === -1 ? raw : this.decodeReferences(raw, at);
  }

  /** Decodes the five predefined entities and numeric character references; anything else is an error. */
  private decodeReferences(raw: string, at: number): string {
    let out = "";
    let last = 0;
    let amp = raw.indexOf("&");
    while (amp !== -1) {
      const semi = raw.indexOf(";", amp + 1);
      if (semi === -1 || semi - amp > 10) this.fail("bad-reference", "unterminated reference", at + amp);
      out += raw.slice(last, amp);
      const ref = raw.slice(amp + 1, semi);
      switch (ref) {
        case "lt": out += "<"; break;
        case "gt": out += ">"; break;
        case "amp": out += "&"; break;
        case "quot": out += '"'; break;
        case "apos": out += "'"; break;
        default: out += this.charReference(ref, at + amp);
      }
      last = semi + 1;
      amp = raw.indexOf("&", last);
    }
    return out + raw.slice(last);
  }

  private charReference(ref: string, at: number): string {
    let code = NaN;
    if (/^#[0-9]{1,7}$/.test(ref)) code = parseInt(ref.slice(1), 10);
    else if (/^#x[0-9A-Fa-f]{1,6}$/.test(ref)) code = parseInt(ref.slice(2), 16);
    else this.fail("bad-reference", `unknown entity &${ref.slice(0, 10)};`, at);
    const legal =
      code === 0x9 || code === 0xa || code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!legal) this.fail("bad-reference", `character reference &${ref}; is not a legal XML character`, at);
    return String.fromCodePoint(code);
  }
}

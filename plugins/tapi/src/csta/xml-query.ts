import { type XmlElement, firstChild } from "@presence-hub/core";

/**
 * Queries over the core XML reader's tree, shaped the way CSTA is written: an ECMA-323 message
 * keeps its elements in the namespace of its edition, so a child is looked up by local name in
 * its parent's namespace (whichever edition the switch speaks, and none when it sends none);
 * and an absent element anywhere on a path is just `undefined`, so the many optional parts of a
 * message read without a check at every step.
 */

/** The first child element with this local name, in the parent's namespace unless told. */
export function child(parent: XmlElement | undefined, name: string, ns: string | undefined = parent?.namespaceURI): XmlElement | undefined {
  return parent && ns !== undefined ? firstChild(parent, ns, name) : undefined;
}

/** Every child element with this local name, in the parent's namespace unless told. */
export function childrenNamed(parent: XmlElement | undefined, name: string, ns: string | undefined = parent?.namespaceURI): XmlElement[] {
  return parent ? parent.children.filter((c) => c.localName === name && c.namespaceURI === ns) : [];
}

/** The trimmed text of a child (or of a path of children), or undefined when one is absent. */
export function childText(parent: XmlElement | undefined, ...path: string[]): string | undefined {
  let node = parent;
  for (const name of path) node = child(node, name);
  return node ? node.text.trim() : undefined;
}

/** The first element with this local name below `root` (depth first, root excluded), in root's namespace unless told. */
export function descendant(root: XmlElement | undefined, name: string, ns: string | undefined = root?.namespaceURI): XmlElement | undefined {
  if (!root) return undefined;
  const stack = [...root.children].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (n.localName === name && n.namespaceURI === ns) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return undefined;
}

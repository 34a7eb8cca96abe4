/**
 * A tiny DOM builder. Text is always inserted as text nodes (never parsed as HTML), so
 * anything from the API — user names, notes, messages, traces — is inert by construction.
 * There is deliberately no way to set innerHTML here.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, ""), value);
    } else if (name === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (name === "checked" && el instanceof HTMLInputElement) {
      el.checked = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's content. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** The page's `#app` container. */
export function appRoot(): HTMLElement {
  const el = document.getElementById("app");
  if (!el) throw new Error("no #app element");
  return el;
}

/** Local date and time for epoch ms, or "—". */
export function formatTime(ms: number | null | undefined): string {
  if (!ms) return "—";
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return d.toDateString() === today.toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

let idCounter = 0;
/** A unique element id (for label/aria wiring). */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A status line for a form or section: polite for progress, assertive for errors. */
export function statusLine(): { el: HTMLElement; ok(text: string): void; error(text: string): void; clear(): void } {
  const el = h("p", { class: "status-line", role: "status", "aria-live": "polite" });
  return {
    el,
    ok(text) {
      el.className = "status-line ok";
      el.textContent = text;
    },
    error(text) {
      el.className = "status-line error";
      el.textContent = text;
    },
    clear() {
      el.className = "status-line";
      el.textContent = "";
    },
  };
}

/**
 * The console's status icons, drawn as inline SVG elements (built with the DOM, so the strict
 * CSP needs no exception, and no emoji font is needed on the desk's PC). Every icon is
 * decorative (`aria-hidden`): the status word is always next to it.
 */
export type IconName = "available" | "busy" | "ringing" | "dnd" | "away" | "offline" | "forwarded" | "problem" | "waiting" | "note";

const SVG = "http://www.w3.org/2000/svg";

type Shape = readonly [tag: "path" | "circle" | "line", attrs: Readonly<Record<string, string | number>>];

const stroke = { fill: "none", stroke: "currentColor", "stroke-width": 1.8, "stroke-linecap": "round", "stroke-linejoin": "round" } as const;

/** Shapes on a 16×16 grid: a tick, a handset, a bell, no-entry, a clock, a hollow circle, an arrow, a warning sign, a dashed circle, a pencil. */
const SHAPES: Readonly<Record<IconName, readonly Shape[]>> = {
  available: [["circle", { cx: 8, cy: 8, r: 6.6, ...stroke }], ["path", { d: "M4.9 8.3l2.2 2.2 4-4.4", ...stroke }]],
  busy: [["path", { d: "M4.2 1.8h2l1 3.3-1.5 1.3c.8 1.7 2 2.9 3.7 3.7l1.3-1.5 3.3 1v2c0 1-.8 1.8-1.8 1.8C6.6 13.4 2.4 9.2 2.4 3.6c0-1 .8-1.8 1.8-1.8z", fill: "currentColor" }]],
  ringing: [
    ["path", { d: "M8 2c-2.3 0-3.8 1.8-3.8 4.1v2.8L2.7 10.8v.9h10.6v-.9l-1.5-1.9V6.1C11.8 3.8 10.3 2 8 2z", fill: "currentColor" }],
    ["circle", { cx: 8, cy: 13.3, r: 1.4, fill: "currentColor" }],
  ],
  dnd: [["circle", { cx: 8, cy: 8, r: 6.6, ...stroke }], ["line", { x1: 4.6, y1: 8, x2: 11.4, y2: 8, ...stroke, "stroke-width": 2.6 }]],
  away: [["circle", { cx: 8, cy: 8, r: 6.6, ...stroke }], ["path", { d: "M8 4.4V8l2.6 1.6", ...stroke }]],
  offline: [["circle", { cx: 8, cy: 8, r: 6.6, ...stroke }], ["path", { d: "M5.8 5.8l4.4 4.4M10.2 5.8l-4.4 4.4", ...stroke }]],
  forwarded: [["path", { d: "M2 11.5V9.8c0-2 1.6-3.6 3.6-3.6H13", ...stroke }], ["path", { d: "M10 3l3 3.2-3 3.2", ...stroke }]],
  problem: [["path", { d: "M8 1.8l6.6 11.8H1.4z", ...stroke }], ["path", { d: "M8 6.2v3.4", ...stroke }], ["circle", { cx: 8, cy: 11.6, r: 0.9, fill: "currentColor" }]],
  waiting: [["circle", { cx: 8, cy: 8, r: 6.6, ...stroke, "stroke-dasharray": "2.6 2.2" }]],
  note: [["path", { d: "M10.6 2.2l3.2 3.2-8 8H2.6v-3.2z", ...stroke }], ["path", { d: "M9 3.8l3.2 3.2", ...stroke }]],
};

/** A decorative 16×16 icon in the current text colour. */
export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attrs] of SHAPES[name]) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}

import type { Issue } from "./api.js";
import { h, uid } from "./dom.js";
import { labelFromKey, type FieldHint } from "./field-help.js";

/** The parts of JSON Schema the forms understand (what TypeBox emits for settings). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly string[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly default?: unknown;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly description?: string;
  readonly "x-hint"?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
}

type Kind = "text" | "textarea" | "secret" | "select" | "number" | "boolean" | "multi" | "list";

/** One rendered setting. */
interface Field {
  readonly key: string;
  readonly schema: JsonSchema;
  readonly kind: Kind;
  readonly required: boolean;
  readonly wrapper: HTMLElement;
  readonly error: HTMLElement;
  readonly inputs: readonly (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[];
  /** For secrets: the "clear the stored value" checkbox. */
  readonly clear?: HTMLInputElement;
  touched: boolean;
}

export interface SchemaFormOptions {
  readonly schema: JsonSchema;
  readonly values: Readonly<Record<string, unknown>>;
  readonly secrets: readonly string[];
  /** Which secrets have a stored value (shown as "set"; never the value itself). */
  readonly secretsSet: Readonly<Record<string, boolean>>;
  readonly hints: Readonly<Record<string, FieldHint>>;
  /** Settings shown first, in order; the others go under "Advanced settings". */
  readonly main: readonly string[];
}

function kindOf(schema: JsonSchema, secret: boolean): Kind {
  if (secret) return "secret";
  if (schema.enum) return "select";
  if (schema.type === "boolean") return "boolean";
  if (schema.type === "integer" || schema.type === "number") return "number";
  if (schema.type === "array") return schema.items?.enum ? "multi" : "list";
  if ((schema.maxLength ?? 0) > 1000) return "textarea";
  return "text";
}

/**
 * A form generated from a connector type's settings schema: one labelled control per setting
 * with help text and an error slot wired through `aria-describedby`, inline validation
 * (pattern, range, length) as the admin types, and the server's field issues mapped back onto
 * the fields. Secrets are write-only: the form shows whether one is set and sends a new value
 * only when typed (or an empty one when "clear" is ticked).
 */
export class SchemaForm {
  readonly element: HTMLElement;
  private readonly fields: Field[] = [];

  constructor(private readonly options: SchemaFormOptions) {
    const props = options.schema.properties ?? {};
    const keys = Object.keys(props);
    const main = options.main.filter((k) => k in props);
    const rest = keys.filter((k) => !main.includes(k));
    const mainBox = h("div", { class: "form-grid" });
    for (const k of main) mainBox.appendChild(this.field(k, props[k]!));
    const advanced = h("details", { class: "advanced" }, h("summary", {}, "Advanced settings"), h("div", { class: "form-grid" }));
    for (const k of rest) advanced.lastElementChild!.appendChild(this.field(k, props[k]!));
    this.element = h("div", { class: "schema-form" }, main.length ? mainBox : null, rest.length ? advanced : null);
  }

  private field(key: string, schema: JsonSchema): HTMLElement {
    const o = this.options;
    const secret = o.secrets.includes(key);
    const kind = kindOf(schema, secret);
    // TypeBox lists settings with a default as required; the admin need not fill those.
    const required = (o.schema.required ?? []).includes(key) && schema.default === undefined;
    const hint = o.hints[key] ?? {};
    const id = uid(`f-${key}`);
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const label = hint.label ?? labelFromKey(key);
    const helpText = [hint.help ?? schema.description ?? (schema["x-hint"] ? `Expected: ${schema["x-hint"]}.` : ""), schema.default !== undefined && kind !== "boolean" ? `Default: ${fmt(schema.default)}.` : ""]
      .filter(Boolean)
      .join(" ");
    const help = h("p", { class: "help", id: helpId }, helpText);
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const described = `${helpId} ${errorId}`;
    const value = o.values[key];
    const common = { id, name: key, "aria-describedby": described, "data-setting": key, required: required || undefined };
    let inputs: (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[] = [];
    let control: HTMLElement;
    let clear: HTMLInputElement | undefined;
    switch (kind) {
      case "select": {
        const current = value ?? schema.default ?? "";
        const sel = h("select", common, !required && schema.default === undefined ? h("option", { value: "" }, "—") : null, (schema.enum ?? []).map((v) => h("option", { value: v, selected: v === current }, v.toUpperCase() === v || v.length > 4 ? v : v.toUpperCase())));
        inputs = [sel];
        control = sel;
        break;
      }
      case "boolean": {
        const box = h("input", { ...common, type: "checkbox", checked: Boolean(value ?? schema.default) });
        inputs = [box];
        control = box;
        break;
      }
      case "number": {
        const input = h("input", { ...common, type: "number", inputmode: schema.type === "integer" ? "numeric" : "decimal", step: schema.type === "integer" ? 1 : "any", min: schema.minimum, max: schema.maximum, value: value === undefined ? "" : String(value), placeholder: schema.default === undefined ? hint.placeholder : String(schema.default) });
        inputs = [input];
        control = input;
        break;
      }
      case "multi": {
        const chosen = (Array.isArray(value) ? value : Array.isArray(schema.default) ? schema.default : []) as string[];
        const boxes = (schema.items?.enum ?? []).map((v) => h("input", { type: "checkbox", name: key, value: v, checked: chosen.includes(v), "data-setting": key, id: `${id}-${v}` }));
        inputs = boxes;
        const group = h("fieldset", { class: "checkbox-group", "aria-describedby": described }, h("legend", {}, label), boxes.map((b) => h("label", { class: "inline", for: b.id }, b, ` ${b.value}`)));
        const wrapper = h("div", { class: "field" }, group, help, error);
        this.fields.push({ key, schema, kind, required, wrapper, error, inputs, touched: false });
        return wrapper;
      }
      case "secret": {
        const isSet = o.secretsSet[key] === true;
        const input = h("input", { ...common, type: "password", autocomplete: "new-password", value: "", placeholder: isSet ? "•••••• (set — leave empty to keep)" : "not set" });
        inputs = [input];
        clear = h("input", { type: "checkbox", id: `${id}-clear`, "data-clear": key });
        const clearLabel = isSet ? h("label", { class: "inline small", for: clear.id }, clear, " Clear the stored value") : null;
        control = h("div", { class: "secret" }, input, h("span", { class: `badge ${isSet ? "good" : "neutral"}`, "data-secret-state": key }, isSet ? "set" : "not set"), clearLabel);
        break;
      }
      case "textarea": {
        const area = h("textarea", { ...common, rows: 4, spellcheck: "false", value: typeof value === "string" ? value : "" });
        inputs = [area];
        control = area;
        break;
      }
      case "list": {
        const input = h("input", { ...common, type: "text", value: Array.isArray(value) ? value.join(", ") : "", placeholder: "comma-separated" });
        inputs = [input];
        control = input;
        break;
      }
      default: {
        const input = h("input", { ...common, type: "text", spellcheck: "false", autocomplete: "off", value: typeof value === "string" ? value : "", placeholder: hint.placeholder ?? schema["x-hint"] });
        inputs = [input];
        control = input;
      }
    }
    const wrapper =
      kind === "boolean"
        ? h("div", { class: "field field-check" }, h("label", { class: "inline", for: id }, control, ` ${label}`), help, error)
        : h("div", { class: "field" }, h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null), control, help, error);
    const field: Field = { key, schema, kind, required, wrapper, error, inputs, clear, touched: false };
    for (const input of inputs) {
      input.addEventListener("blur", () => {
        field.touched = true;
        this.check(field);
      });
      input.addEventListener("input", () => {
        if (field.touched) this.check(field);
      });
    }
    this.fields.push(field);
    return wrapper;
  }

  /** Inline validation of one field; returns its message or null. */
  private check(field: Field): string | null {
    const message = this.problem(field);
    this.setError(field, message);
    return message;
  }

  private problem(field: Field): string | null {
    const s = field.schema;
    const input = field.inputs[0]!;
    if (field.kind === "multi") {
      const n = field.inputs.filter((i) => (i as HTMLInputElement).checked).length;
      return s.minItems && n < s.minItems ? `choose at least ${s.minItems}` : null;
    }
    if (field.kind === "boolean" || field.kind === "select") return null;
    const raw = input.value.trim();
    if (!raw) return field.required && field.kind !== "secret" ? "is required" : null;
    if (field.kind === "number") {
      const n = Number(raw);
      if (!Number.isFinite(n)) return "must be a number";
      if (s.type === "integer" && !Number.isInteger(n)) return "must be a whole number";
      if (s.minimum !== undefined && n < s.minimum) return `must be at least ${s.minimum}`;
      if (s.maximum !== undefined && n > s.maximum) return `must be at most ${s.maximum}`;
      return null;
    }
    if (s.minLength !== undefined && raw.length < s.minLength) return `must be at least ${s.minLength} characters`;
    if (s.maxLength !== undefined && raw.length > s.maxLength) return `must be at most ${s.maxLength} characters`;
    if (s.pattern) {
      let ok = true;
      try {
        ok = new RegExp(s.pattern, "u").test(raw);
      } catch {
        ok = true; // a pattern the browser cannot compile: the server still checks
      }
      if (!ok) return `must be ${s["x-hint"] ?? "in the expected format"}`;
    }
    return null;
  }

  private setError(field: Field, message: string | null): void {
    field.error.hidden = !message;
    field.error.textContent = message ? `${field.wrapper.querySelector("label, legend")?.textContent?.replace(/\s*\*$/, "").trim() ?? field.key} ${message}` : "";
    for (const i of field.inputs) {
      if (message) i.setAttribute("aria-invalid", "true");
      else i.removeAttribute("aria-invalid");
    }
    if (message) field.wrapper.closest("details")?.setAttribute("open", "");
  }

  /** Validates every field; focuses the first bad one. True when all are fine. */
  validate(): boolean {
    let first: Field | null = null;
    for (const f of this.fields) {
      f.touched = true;
      if (this.check(f) && !first) first = f;
    }
    first?.inputs[0]?.focus();
    return first === null;
  }

  /** Shows the server's issues on their fields; returns the ones that match no field. */
  showIssues(issues: readonly Issue[]): Issue[] {
    const unmatched: Issue[] = [];
    let first: Field | null = null;
    for (const issue of issues) {
      const key = issue.path.split(/[.[]/)[0] ?? "";
      const field = this.fields.find((f) => f.key === key);
      if (!field) {
        unmatched.push(issue);
        continue;
      }
      this.setError(field, issue.message);
      first ??= field;
    }
    first?.inputs[0]?.focus();
    return unmatched;
  }

  /** The settings to send: empty optional fields are left out; secrets only when typed or cleared. */
  collect(): { settings: Record<string, unknown>; secrets: Record<string, string> } {
    const settings: Record<string, unknown> = {};
    const secrets: Record<string, string> = {};
    for (const f of this.fields) {
      const input = f.inputs[0]!;
      switch (f.kind) {
        case "secret":
          if (f.clear?.checked) secrets[f.key] = "";
          else if ((input as HTMLInputElement).value) secrets[f.key] = (input as HTMLInputElement).value;
          break;
        case "boolean":
          settings[f.key] = (input as HTMLInputElement).checked;
          break;
        case "multi":
          settings[f.key] = f.inputs.filter((i) => (i as HTMLInputElement).checked).map((i) => i.value);
          break;
        case "number":
          if (input.value.trim()) settings[f.key] = Number(input.value);
          break;
        case "list":
          if (input.value.trim()) settings[f.key] = input.value.split(",").map((s) => s.trim()).filter(Boolean);
          break;
        default:
          if (input.value.trim()) settings[f.key] = input.value.trim();
      }
    }
    return { settings, secrets };
  }
}

function fmt(v: unknown): string {
  return Array.isArray(v) ? v.join(", ") : String(v);
}

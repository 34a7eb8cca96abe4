import { headerKey } from "./header-names.js";

/** One header field line of a message, as received. */
export interface SipHeaderField {
  /** Lookup key: lower-case long form (`"call-id"`, also for a received `i:`). */
  readonly key: string;
  /** The name exactly as it appeared on the wire (`"i"`, `"MaX-fOrWaRdS"`). */
  readonly name: string;
  /** The value: folds replaced by one space, leading/trailing whitespace removed. */
  readonly value: string;
}

/**
 * The header fields of a received message, in wire order, with case-insensitive lookup that
 * also understands compact forms (`get("Event")` finds a header received as `o:`).
 *
 * Values are kept one per header *line*: a `Via: a, b` line is one value here; the structured
 * accessors on the message split comma lists where the grammar allows it.
 *
 * Stored as three parallel arrays and searched linearly: a message has about a dozen headers,
 * which a scan covers faster than building a Map per message would.
 */
export class SipHeaders implements Iterable<SipHeaderField> {
  private readonly keys: string[] = [];
  private readonly names: string[] = [];
  private readonly values: string[] = [];

  /** Appends a header (used by the parser; messages are immutable once built). */
  add(name: string, value: string, key: string = headerKey(name)): void {
    this.keys.push(key);
    this.names.push(name);
    this.values.push(value);
  }

  /** Number of header lines. */
  get size(): number {
    return this.keys.length;
  }

  /** The value of the first header called `name` (any case, compact or long form), or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.values[i];
    return undefined;
  }

  /** The values of every header line called `name`, in order (empty when absent). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) out.push(this.values[i]!);
    return out;
  }

  /** True when at least one header called `name` is present. */
  has(name: string): boolean {
    return this.count(name) > 0;
  }

  /** How many header lines are called `name`. */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const k of this.keys) if (k === key) n++;
    return n;
  }

  /** Lookup key (lower-case long form) of the header at `index` (0-based, wire order). */
  keyAt(index: number): string | undefined {
    return this.keys[index];
  }

  /** Name as written on the wire of the header at `index`. */
  nameAt(index: number): string | undefined {
    return this.names[index];
  }

  /** Value of the header at `index`. */
  valueAt(index: number): string | undefined {
    return this.values[index];
  }

  /** Iterates the header fields in wire order. */
  *[Symbol.iterator](): Iterator<SipHeaderField> {
    for (let i = 0; i < this.keys.length; i++) yield { key: this.keys[i]!, name: this.names[i]!, value: this.values[i]! };
  }
}

/** Marks "no single entry" (a key may itself be `undefined`). */
const NONE: unique symbol = Symbol("none");

/**
 * A Map for what nearly always holds zero or one entry: the latest observation per source of a
 * user's field (one connector serves most sites). Up to one entry lives in two fields; a real
 * Map is made only for a second. An empty `new Map()` costs about 180 bytes (its hash table is
 * allocated up front), twice per user.
 *
 * Same behaviour as `Map` for what it offers (the whole `ReadonlyMap` interface plus set,
 * delete and clear), insertion order included.
 */
export class SmallMap<K, V> implements ReadonlyMap<K, V> {
  private oneKey: K | typeof NONE = NONE;
  private oneValue: V | undefined = undefined;
  private many: Map<K, V> | null = null;

  get size(): number {
    return this.many ? this.many.size : this.oneKey === NONE ? 0 : 1;
  }

  get(key: K): V | undefined {
    if (this.many) return this.many.get(key);
    return this.oneKey !== NONE && this.oneKey === key ? this.oneValue : undefined;
  }

  has(key: K): boolean {
    return this.many ? this.many.has(key) : this.oneKey !== NONE && this.oneKey === key;
  }

  set(key: K, value: V): this {
    if (this.many) this.many.set(key, value);
    else if (this.oneKey === NONE || this.oneKey === key) {
      this.oneKey = key;
      this.oneValue = value;
    } else {
      this.many = new Map([
        [this.oneKey, this.oneValue as V],
        [key, value],
      ]);
      this.oneKey = NONE;
      this.oneValue = undefined;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.many) return this.many.delete(key);
    if (this.oneKey === NONE || this.oneKey !== key) return false;
    this.oneKey = NONE;
    this.oneValue = undefined;
    return true;
  }

  clear(): void {
    this.oneKey = NONE;
    this.oneValue = undefined;
    this.many = null;
  }

  entries(): IterableIterator<[K, V]> {
    if (this.many) return this.many.entries();
    return (this.oneKey === NONE ? [] : [[this.oneKey, this.oneValue as V] as [K, V]]).values();
  }

  keys(): IterableIterator<K> {
    if (this.many) return this.many.keys();
    return (this.oneKey === NONE ? [] : [this.oneKey]).values();
  }

  values(): IterableIterator<V> {
    if (this.many) return this.many.values();
    return (this.oneKey === NONE ? [] : [this.oneValue as V]).values();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

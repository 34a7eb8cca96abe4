/**
 * The recent changes by sequence number, so a console that reconnects with `?since=SEQ` gets
 * what it missed: which users changed after SEQ. A bounded ring; a `since` older than the ring
 * reaches gets a fresh snapshot instead.
 */
export class ChangeLog {
  private readonly seqs: Float64Array;
  private readonly users: (string | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 100_000) {
    this.seqs = new Float64Array(capacity);
    this.users = new Array<string | undefined>(capacity);
  }

  record(seq: number, username: string): void {
    this.seqs[this.next] = seq;
    this.users[this.next] = username;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /**
   * Users changed after `since` (seq, exclusive), or null when the ring no longer reaches back
   * that far (the caller sends a snapshot). `lastSeq` is the bus's current sequence number.
   */
  changedSince(since: number, lastSeq: number): Set<string> | null {
    if (since >= lastSeq) return new Set();
    if (since < 0) return null;
    const oldest = this.size === 0 ? Infinity : this.seqs[(this.next - this.size + this.capacity) % this.capacity]!;
    // Events after `since` must all still be here: the oldest kept one must be ≤ since + 1.
    if (this.size === this.capacity && oldest > since + 1) return null;
    const out = new Set<string>();
    for (let i = 0; i < this.size; i++) {
      const idx = (this.next - 1 - i + this.capacity) % this.capacity;
      if (this.seqs[idx]! <= since) break;
      out.add(this.users[idx]!);
    }
    return out;
  }
}

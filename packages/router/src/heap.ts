/** A binary min-heap of node indices keyed by a float64 cost, on typed arrays (no allocation per push). */
export class IndexHeap {
  private keys: Float64Array;
  private items: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.items = new Int32Array(capacity);
  }
  /** How many entries it can hold. */
  get capacity(): number {
    return this.keys.length;
  }
  /** Makes room for `capacity` entries, keeping the ones it holds. */
  grow(capacity: number): void {
    if (capacity <= this.keys.length) return;
    const keys = new Float64Array(capacity);
    const items = new Int32Array(capacity);
    keys.set(this.keys.subarray(0, this.size));
    items.set(this.items.subarray(0, this.size));
    this.keys = keys;
    this.items = items;
  }
  clear(): void {
    this.size = 0;
  }
  push(item: number, key: number): void {
    let i = this.size++;
    const { keys, items } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! <= key) break;
      keys[i] = keys[p]!;
      items[i] = items[p]!;
      i = p;
    }
    keys[i] = key;
    items[i] = item;
  }
  /** Removes the smallest; returns its item (read its key with {@link IndexHeap.topKey} before). */
  pop(): number {
    const { keys, items } = this;
    const top = items[0]!;
    const last = --this.size;
    const k = keys[last]!;
    const it = items[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && keys[c + 1]! < keys[c]!) c++;
      if (keys[c]! >= k) break;
      keys[i] = keys[c]!;
      items[i] = items[c]!;
      i = c;
    }
    keys[i] = k;
    items[i] = it;
    return top;
  }
  topKey(): number {
    return this.keys[0]!;
  }
}

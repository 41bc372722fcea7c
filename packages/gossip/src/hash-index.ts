/**
 * A compact open-addressing hash index (linear probing, backward-shift deletion) from a key
 * to a dense row number, stored in one `Int32Array`: about 8 bytes a row at the load factor
 * kept here, against ~80 for a `Map` with `bigint` or hex-string keys. The keys themselves
 * live in the owner's columns; the index only stores row numbers and asks the owner for a
 * row's hash.
 */
export class HashIndex {
  private table: Int32Array;
  private mask: number;
  private count = 0;

  constructor(
    /** The hash of the key stored in row `row`. */
    private readonly hashOfRow: (row: number) => number,
    initialRows = 16,
  ) {
    let size = 16;
    while (size < initialRows * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The row whose key has `hash` and satisfies `eq`, or -1. */
  find(hash: number, eq: (row: number) => boolean): number {
    const t = this.table;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const v = t[i]!;
      if (v === 0) return -1;
      if (eq(v - 1)) return v - 1;
    }
  }

  /** Adds `row` (its key must not be present yet). */
  insert(row: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    this.place(row);
    this.count++;
  }

  /** Removes `row`. */
  remove(row: number): void {
    const i = this.slotOf(row);
    if (i < 0) return;
    this.count--;
    const t = this.table;
    let hole = i;
    t[hole] = 0;
    // Backward-shift: move later entries of the probe run into the hole when allowed.
    for (let j = (hole + 1) & this.mask; t[j] !== 0; j = (j + 1) & this.mask) {
      const home = this.hashOfRow(t[j]! - 1) & this.mask;
      const dist = (j - home) & this.mask;
      const holeDist = (j - hole) & this.mask;
      if (holeDist <= dist) {
        t[hole] = t[j]!;
        t[j] = 0;
        hole = j;
      }
    }
  }

  /** Row `from` was moved to row `to` (same key). */
  renumber(from: number, to: number): void {
    const i = this.slotOf(from);
    if (i >= 0) this.table[i] = to + 1;
  }

  /** Drops everything and indexes rows `0..rows-1`. */
  rebuild(rows: number): void {
    let size = 16;
    while (size < rows * 2 + 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.count = rows;
    for (let r = 0; r < rows; r++) this.place(r);
  }

  /** Bytes used by the table. */
  get byteLength(): number {
    return this.table.byteLength;
  }

  private slotOf(row: number): number {
    const t = this.table;
    for (let i = this.hashOfRow(row) & this.mask; ; i = (i + 1) & this.mask) {
      const v = t[i]!;
      if (v === 0) return -1;
      if (v === row + 1) return i;
    }
  }

  private place(row: number): void {
    const t = this.table;
    let i = this.hashOfRow(row) & this.mask;
    while (t[i] !== 0) i = (i + 1) & this.mask;
    t[i] = row + 1;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.place(old[i]! - 1);
  }
}

/** A 32-bit mix of two 32-bit words (for short channel ids). */
export function mix32(hi: number, lo: number): number {
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2d);
  return (h ^ (h >>> 13)) >>> 0;
}

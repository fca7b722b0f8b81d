/**
 * A binary heap ordered by `before(x, y)` ("x comes out first"): push and pop in O(log n). Used by
 * BPE learning (most frequent pair) and encoding (lowest-ranked merge).
 */
export class BinaryHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The item `pop` would return, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    const items = this.items;
    let i = items.length;
    items.push(x);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(x, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = x;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const end = items.pop();
    if (items.length === 0 || end === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= items.length) break;
      const c = l + 1 < items.length && this.before(items[l + 1], items[l]) ? l + 1 : l;
      if (!this.before(items[c], end)) break;
      items[i] = items[c];
      i = c;
    }
    items[i] = end;
    return top;
  }
}

/**
 * Indexed binary min-heap of (key, deadline). The position map makes set/delete of an arbitrary key
 * O(log n), so renewing a lease is a key update rather than a new timer or a scan.
 *
 * A deadline moved later (a lease renewed: most updates) is only written down: the slot keeps its
 * earlier deadline as its place in the heap, a lower bound of the real one, and is sifted down when
 * it reaches the top. So a renewal costs O(1) instead of a sift to the bottom (17 levels and 34 index
 * updates at 100k keys), and an entry renewed many times between two expiry checks is sifted once.
 * Still exact: every slot's real deadline is at least its place, so a top whose place is its real
 * deadline is the earliest.
 */
export class DeadlineHeap<K> {
  // Parallel arrays keep each slot to three values; `pos` maps a key to its slot index.
  private readonly keys: K[] = [];
  /** The heap order: each slot's deadline when it was last placed (<= its real deadline). */
  private readonly placed: number[] = [];
  /** Each slot's real deadline. */
  private readonly deadlines: number[] = [];
  private readonly pos = new Map<K, number>();

  get size(): number {
    return this.keys.length;
  }

  /** Insert `key`, or move it to `deadline` (earlier or later). */
  set(key: K, deadline: number): void {
    // NaN compares false both ways and would silently corrupt the heap order.
    if (Number.isNaN(deadline)) throw new RangeError('DeadlineHeap: deadline is NaN');
    const i = this.pos.get(key);
    if (i === undefined) {
      const j = this.keys.length;
      this.keys.push(key);
      this.placed.push(deadline);
      this.deadlines.push(deadline);
      this.pos.set(key, j);
      this.up(j);
      return;
    }
    this.deadlines[i] = deadline;
    if (deadline < this.placed[i]!) {
      this.placed[i] = deadline;
      this.up(i);
    }
  }

  delete(key: K): boolean {
    const i = this.pos.get(key);
    if (i === undefined) return false;
    this.removeAt(i);
    return true;
  }

  peek(): { key: K; deadline: number } | undefined {
    const deadline = this.earliest();
    return deadline === undefined ? undefined : { key: this.keys[0]!, deadline };
  }

  /** The earliest deadline (peek's, without an object: asked on every renewal). */
  earliest(): number | undefined {
    if (this.keys.length === 0) return undefined;
    // Renewed entries on top go to their real places first.
    while (this.placed[0]! < this.deadlines[0]!) {
      this.placed[0] = this.deadlines[0]!;
      this.down(0);
    }
    return this.deadlines[0];
  }

  pop(): { key: K; deadline: number } | undefined {
    const top = this.peek();
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  has(key: K): boolean {
    return this.pos.has(key);
  }

  deadlineOf(key: K): number | undefined {
    const i = this.pos.get(key);
    return i === undefined ? undefined : this.deadlines[i];
  }

  private removeAt(i: number): void {
    const last = this.keys.length - 1;
    const key = this.keys[i]!;
    if (i !== last) this.swap(i, last);
    this.keys.pop();
    this.placed.pop();
    this.deadlines.pop();
    this.pos.delete(key);
    if (i < this.keys.length) {
      // The element moved into slot i came from the bottom; it may need to go either way.
      this.up(i);
      this.down(i);
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.placed[parent]! <= this.placed[i]!) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const child = r < n && this.placed[r]! < this.placed[l]! ? r : l;
      if (this.placed[i]! <= this.placed[child]!) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(a: number, b: number): void {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    const pa = this.placed[a]!;
    const da = this.deadlines[a]!;
    this.keys[a] = kb;
    this.keys[b] = ka;
    this.placed[a] = this.placed[b]!;
    this.placed[b] = pa;
    this.deadlines[a] = this.deadlines[b]!;
    this.deadlines[b] = da;
    this.pos.set(kb, a);
    this.pos.set(ka, b);
  }
}

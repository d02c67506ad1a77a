/**
 * A binary min-heap of `(key, value)` pairs; O(log n) push and pop. Equal keys pop in push order,
 * so a claim that takes due work from it keeps first-come order among rows due at the same time.
 */
export class MinHeap<V> {
  readonly #keys: number[] = [];
  readonly #order: number[] = [];
  readonly #values: V[] = [];
  #pushed = 0;

  get size(): number {
    return this.#keys.length;
  }

  push(key: number, value: V): void {
    const order = (this.#pushed += 1);
    let i = this.#keys.length;
    this.#keys.push(key);
    this.#order.push(order);
    this.#values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  peek(): { key: number; value: V } | undefined {
    return this.#keys.length === 0 ? undefined : { key: this.#keys[0]!, value: this.#values[0]! };
  }

  pop(): { key: number; value: V } | undefined {
    const top = this.peek();
    if (!top) return undefined;
    const lastKey = this.#keys.pop()!;
    const lastOrder = this.#order.pop()!;
    const lastValue = this.#values.pop()!;
    const size = this.#keys.length;
    if (size > 0) {
      this.#keys[0] = lastKey;
      this.#order[0] = lastOrder;
      this.#values[0] = lastValue;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < size && this.#before(left, smallest)) smallest = left;
        if (right < size && this.#before(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.#swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  #before(a: number, b: number): boolean {
    const ka = this.#keys[a]!;
    const kb = this.#keys[b]!;
    return ka < kb || (ka === kb && this.#order[a]! < this.#order[b]!);
  }

  #swap(a: number, b: number): void {
    const key = this.#keys[a]!;
    this.#keys[a] = this.#keys[b]!;
    this.#keys[b] = key;
    const order = this.#order[a]!;
    this.#order[a] = this.#order[b]!;
    this.#order[b] = order;
    const value = this.#values[a]!;
    this.#values[a] = this.#values[b]!;
    this.#values[b] = value;
  }
}

/** A binary min-heap of `(key, value)` pairs; O(log n) push and pop. */
export class MinHeap<V> {
  readonly #keys: number[] = [];
  readonly #values: V[] = [];

  get size(): number {
    return this.#keys.length;
  }

  push(key: number, value: V): void {
    this.#keys.push(key);
    this.#values.push(value);
    let i = this.#keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#keys[parent]! <= key) break;
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
    const lastValue = this.#values.pop()!;
    if (this.#keys.length > 0) {
      this.#keys[0] = lastKey;
      this.#values[0] = lastValue;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.#keys.length && this.#keys[left]! < this.#keys[smallest]!) smallest = left;
        if (right < this.#keys.length && this.#keys[right]! < this.#keys[smallest]!) smallest = right;
        if (smallest === i) break;
        this.#swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  #swap(a: number, b: number): void {
    [this.#keys[a], this.#keys[b]] = [this.#keys[b]!, this.#keys[a]!];
    [this.#values[a], this.#values[b]] = [this.#values[b]!, this.#values[a]!];
  }
}

/**
 * An append-only Float32Array for the text parsers, which cannot know the
 * triangle count up front. Doubling keeps appends amortised O(1); `view()`
 * hands out the filled part without copying.
 */
export class FloatGrower {
  private data: Float32Array;
  length = 0;

  constructor(initialCapacity: number) {
    this.data = new Float32Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  /** The value at `index` (< length). */
  at(index: number): number {
    return this.data[index]!;
  }

  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }

  private grow(): void {
    const next = new Float32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}

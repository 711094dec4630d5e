/**
 * Hands out typed arrays carved from memory an earlier phase is done with.
 * On our VMs the first write to a freshly mapped page costs about 1 ms per
 * MB, more than the arithmetic of any phase here, so a 1M-triangle analysis
 * lays its edge arrays over the triangle soup's 36 MB once welding and
 * measuring are done, instead of mapping 30 MB anew. Arrays come out with
 * whatever the memory held: callers initialise them.
 */
export class Scratch {
  private used = 0;

  private constructor(
    private readonly buffer: ArrayBufferLike | null,
    private readonly byteOffset: number,
    private readonly byteLength: number,
  ) {}

  /** Nothing to reuse: every array is freshly allocated. */
  static none(): Scratch {
    return new Scratch(null, 0, 0);
  }

  /** Reuses the memory of `array`, which the caller must not read afterwards. */
  static reusing(array: ArrayBufferView): Scratch {
    // Typed arrays handed out need 4-byte alignment.
    const start = Math.ceil(array.byteOffset / 4) * 4;
    return new Scratch(array.buffer, start, Math.max(0, array.byteOffset + array.byteLength - start));
  }

  uint32(length: number): Uint32Array {
    const bytes = 4 * length;
    if (this.buffer === null || this.used + bytes > this.byteLength) return new Uint32Array(length);
    const array = new Uint32Array(this.buffer, this.byteOffset + this.used, length);
    this.used += bytes;
    return array;
  }

  int32(length: number): Int32Array {
    const bytes = 4 * length;
    if (this.buffer === null || this.used + bytes > this.byteLength) return new Int32Array(length);
    const array = new Int32Array(this.buffer, this.byteOffset + this.used, length);
    this.used += bytes;
    return array;
  }
}

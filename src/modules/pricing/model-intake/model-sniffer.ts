import { Transform, type TransformCallback } from 'node:stream';
import { ObjLineScanner } from './obj-line-scanner';

/**
 * Recognises a 3D model while its bytes stream past on their way to blob
 * storage, so an upload is judged without holding the file in memory:
 * binary STL by its header (84 + 50 x n bytes), ASCII STL by `solid` ...
 * `endfacet` ... `endsolid`, OBJ by its `v` and `f` lines, whose vertex
 * references must point at vertices defined before them (as STL's structure
 * must hold together). Geometry checks (watertight, manifold, size) belong
 * to pricing, which reads the stored file.
 */
export type SniffedFormat = 'stl-binary' | 'stl-ascii' | 'obj';

export type SniffResult = { ok: true; format: SniffedFormat; triangleCount: number; sizeBytes: number } | { ok: false; code: ModelRejectionCode; message: string };

export type ModelRejectionCode =
  'EMPTY_BODY' | 'UNRECOGNISED_MODEL_FORMAT' | 'TRIANGLE_COUNT_MISMATCH' | 'TRUNCATED_MODEL' | 'EMPTY_MODEL' | 'INVALID_VERTEX_INDEX' | 'MALFORMED_FACE';

const HEADER_BYTES = 84;
const TRIANGLE_BYTES = 50;
/** Control bytes other than tab, LF, CR, FF say "binary". */
const isBinaryByte = (byte: number): boolean => (byte < 32 && byte !== 9 && byte !== 10 && byte !== 13 && byte !== 12) || byte === 127;

export class ModelSniffer extends Transform {
  private readonly head = Buffer.alloc(HEADER_BYTES);
  private headLength = 0;
  private sizeBytes = 0;
  private sawBinaryByte = false;
  // Text statistics, counted across chunk boundaries through a small carry-over.
  private carry = '';
  private endfacets = 0;
  private readonly obj = new ObjLineScanner();
  private firstToken = '';
  private lead = '';
  private tail = '';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.headLength < HEADER_BYTES) {
      const take = Math.min(HEADER_BYTES - this.headLength, chunk.length);
      chunk.copy(this.head, this.headLength, 0, take);
      this.headLength += take;
    }
    this.sizeBytes += chunk.length;
    if (!this.sawBinaryByte) this.scanText(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.sawBinaryByte) this.obj.end();
    callback();
  }

  private scanText(chunk: Buffer): void {
    for (const byte of chunk) {
      if (isBinaryByte(byte)) {
        this.sawBinaryByte = true;
        return;
      }
    }
    this.obj.write(chunk);
    const chunkText = chunk.toString('latin1');
    const text = this.carry + chunkText;
    if (this.lead.length < 64) {
      // The first token, once whitespace ends it (or 64 bytes have passed).
      this.lead += chunkText.slice(0, 64);
      const match = /^\s*(\S+)(\s|$)/.exec(this.lead);
      if (match?.[1] && (match[2] !== '' || this.lead.length >= 64)) this.firstToken = match[1].toLowerCase();
      if (this.firstToken) this.lead = ' '.repeat(64);
    }
    this.endfacets += countMatches(text, /\bendfacet\b/gi, this.carry.length);
    // Keep enough to see a token split across chunks, but never re-count it.
    this.carry = text.slice(-16);
    this.tail = (this.tail + chunkText).slice(-64);
  }

  /** The verdict once the whole body has passed. */
  result(): SniffResult {
    if (this.sizeBytes === 0) return { ok: false, code: 'EMPTY_BODY', message: 'the request body is empty; send the model file' };
    if (this.sawBinaryByte) return this.binaryResult();
    if (this.firstToken === 'solid' && this.endfacets > 0) {
      if (!/endsolid/i.test(this.tail)) {
        return { ok: false, code: 'TRUNCATED_MODEL', message: 'ASCII STL ends without `endsolid`: the file is cut short' };
      }
      return { ok: true, format: 'stl-ascii', triangleCount: this.endfacets, sizeBytes: this.sizeBytes };
    }
    if (this.firstToken === 'solid') {
      // "solid" in the 80-byte header of a binary STL is common; the size settles it.
      const binary = this.binaryResult();
      return binary.ok ? binary : { ok: false, code: 'EMPTY_MODEL', message: 'ASCII STL without a single facet' };
    }
    if (this.obj.vertices > 0 && this.obj.faces > 0) {
      const fault = this.obj.fault;
      return fault ? { ok: false, ...fault } : { ok: true, format: 'obj', triangleCount: this.obj.faces, sizeBytes: this.sizeBytes };
    }
    if (this.obj.vertices > 0) return { ok: false, code: 'EMPTY_MODEL', message: 'OBJ file with vertices but no faces' };
    return this.binaryResult();
  }

  private binaryResult(): SniffResult {
    if (this.sizeBytes < HEADER_BYTES) {
      return this.sawBinaryByte || this.firstToken === 'solid'
        ? { ok: false, code: 'TRUNCATED_MODEL', message: `${this.sizeBytes} bytes is shorter than a binary STL header (84 bytes)` }
        : this.unrecognised();
    }
    const declared = this.head.readUInt32LE(80);
    const expected = HEADER_BYTES + declared * TRIANGLE_BYTES;
    if (expected === this.sizeBytes) {
      if (declared === 0) return { ok: false, code: 'EMPTY_MODEL', message: 'binary STL with 0 triangles' };
      return { ok: true, format: 'stl-binary', triangleCount: declared, sizeBytes: this.sizeBytes };
    }
    if ((this.sizeBytes - HEADER_BYTES) % TRIANGLE_BYTES === 0 && declared < 0x7fffffff) {
      const held = (this.sizeBytes - HEADER_BYTES) / TRIANGLE_BYTES;
      return {
        ok: false,
        code: 'TRIANGLE_COUNT_MISMATCH',
        message: `binary STL header says ${declared} triangles, the file holds ${held}`,
      };
    }
    if (expected > this.sizeBytes && declared <= 50_000_000) {
      return { ok: false, code: 'TRUNCATED_MODEL', message: `binary STL header says ${declared} triangles (${expected} bytes), the file has ${this.sizeBytes} bytes` };
    }
    return this.unrecognised();
  }

  private unrecognised(): SniffResult {
    return { ok: false, code: 'UNRECOGNISED_MODEL_FORMAT', message: 'not a binary STL, ASCII STL or OBJ model' };
  }
}

/** Counts matches that end after `from`, so text carried over from the last chunk is not counted twice. */
function countMatches(text: string, pattern: RegExp, from: number): number {
  let count = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index + match[0].length > from) count++;
  }
  return count;
}

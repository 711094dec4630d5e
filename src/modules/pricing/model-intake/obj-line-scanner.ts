/**
 * Reads OBJ `v` and `f` lines as their bytes stream past (any chunking), the
 * way pricing's parser reads them, to refuse at upload a face the parser
 * would refuse at pricing: a reference to vertex 0, to a vertex not defined
 * before the face (negative indices count back from the last one), a
 * reference that is no number, or a face of fewer than 3 vertices. Other
 * lines are skipped; geometry (watertight, size) is still pricing's job.
 */
export interface ObjFaceFault {
  code: 'INVALID_VERTEX_INDEX' | 'MALFORMED_FACE';
  message: string;
}

const LF = 0x0a;
const SLASH = 0x2f;
const MINUS = 0x2d;
const HASH = 0x23;
const isInlineSpace = (byte: number): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0b || byte === 0x0c;
/** Longest reference token quoted in a message. */
const MAX_QUOTED = 40;

type LineKind = 'first-token' | 'vertex' | 'face' | 'other';

export class ObjLineScanner {
  /** `v` and `f` lines seen so far. */
  vertices = 0;
  faces = 0;
  /** The first face the parser would refuse; nothing more is checked after it. */
  fault: ObjFaceFault | null = null;

  private line = 1;
  private kind: LineKind = 'first-token';
  /** The first token of the line, lower-cased, while it is at most 2 bytes long. */
  private firstToken = '';
  private inToken = false;
  // The face line being read and its current reference token.
  private corners = 0;
  private faceEnded = false;
  /** The reference token's first bytes, decoded only to quote it in a message. */
  private readonly reference = new Uint8Array(MAX_QUOTED);
  private referenceLength = 0;
  private digits = 0;
  private value = 0;
  private negative = false;
  private beforeSlash = true;
  private notANumber = false;

  write(bytes: Uint8Array): void {
    let index = 0;
    while (index < bytes.length && this.fault === null) {
      // The rest of a line that needs no more reading is skipped to its newline at once.
      if (this.kind === 'vertex' || this.kind === 'other' || (this.kind === 'face' && this.faceEnded)) {
        index = bytes.indexOf(LF, index);
        if (index < 0) return;
      }
      this.byte(bytes[index]!);
      index++;
    }
  }

  /** The end of the input ends the last line. */
  end(): void {
    if (this.fault === null) this.endLine();
  }

  private byte(byte: number): void {
    if (byte === LF) {
      this.endLine();
      this.line++;
      return;
    }
    const space = isInlineSpace(byte);
    if (this.kind === 'first-token') {
      if (space) {
        if (this.inToken) this.classifyLine();
      } else {
        this.inToken = true;
        if (this.firstToken.length <= 2) this.firstToken += String.fromCharCode(byte | 0x20);
      }
    } else if (this.kind === 'face' && !this.faceEnded) {
      if (space) {
        if (this.inToken) this.endReference();
      } else {
        this.referenceByte(byte);
      }
    }
  }

  private classifyLine(): void {
    this.inToken = false;
    if (this.firstToken === 'v') {
      this.kind = 'vertex';
      this.vertices++;
    } else if (this.firstToken === 'f') {
      this.kind = 'face';
      this.faces++;
      this.corners = 0;
      this.faceEnded = false;
    } else {
      this.kind = 'other';
    }
  }

  private referenceByte(byte: number): void {
    if (!this.inToken) {
      this.inToken = true;
      // As in the parser, a comment ends the list of references.
      if (byte === HASH) {
        this.inToken = false;
        this.faceEnded = true;
        return;
      }
      this.referenceLength = 0;
      this.digits = 0;
      this.value = 0;
      this.negative = byte === MINUS;
      this.beforeSlash = true;
      this.notANumber = false;
    }
    if (this.referenceLength < MAX_QUOTED) this.reference[this.referenceLength++] = byte;
    if (!this.beforeSlash || (this.negative && this.referenceLength === 1)) return;
    if (byte === SLASH) {
      this.beforeSlash = false;
    } else if (byte >= 0x30 && byte <= 0x39) {
      this.value = this.value * 10 + (byte - 0x30);
      this.digits++;
    } else {
      this.notANumber = true;
    }
  }

  private endReference(): void {
    this.inToken = false;
    this.corners++;
    const at = `line ${this.line}`;
    if (this.notANumber || this.digits === 0) {
      this.fault = { code: 'MALFORMED_FACE', message: `${at}: expected a vertex reference, found "${this.quoted()}"` };
      return;
    }
    if (this.value === 0) {
      this.fault = { code: 'INVALID_VERTEX_INDEX', message: `${at}: face refers to vertex ${this.quotedIndex()}; OBJ vertex indices start at 1 (or count back from -1)` };
    } else if (this.value > this.vertices) {
      this.fault = {
        code: 'INVALID_VERTEX_INDEX',
        message: `${at}: face refers to vertex ${this.quotedIndex()}, but only ${this.vertices} ${this.vertices === 1 ? 'is' : 'are'} defined before it`,
      };
    }
  }

  /** The reference as written (its first MAX_QUOTED bytes). */
  private quoted(): string {
    return Buffer.from(this.reference.subarray(0, this.referenceLength)).toString('latin1');
  }

  /** The vertex index as written, without the texture and normal indices after it. */
  private quotedIndex(): string {
    return this.quoted().split('/')[0]!;
  }

  private endLine(): void {
    if (this.kind === 'first-token' && this.inToken) this.classifyLine();
    if (this.kind === 'face') {
      if (this.inToken) this.endReference();
      if (this.fault === null && this.corners < 3) {
        this.fault = { code: 'MALFORMED_FACE', message: `line ${this.line}: a face needs at least 3 vertices, found ${this.corners}` };
      }
    }
    this.kind = 'first-token';
    this.firstToken = '';
    this.inToken = false;
  }
}

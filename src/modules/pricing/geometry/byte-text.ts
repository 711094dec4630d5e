/**
 * A tokenizer for the text formats (ASCII STL, OBJ) that works on the raw
 * bytes: no decoding of a 100 MB upload into one string, no string per token
 * on the hot path, and a line number for every error message.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const VT = 0x0b;
const FF = 0x0c;
const CR = 0x0d;

export function isInlineSpace(byte: number): boolean {
  return byte === SPACE || byte === TAB || byte === CR || byte === VT || byte === FF;
}

export function isSpace(byte: number): boolean {
  return byte === LF || isInlineSpace(byte);
}

/** Powers of ten that are exact doubles: the fast float path below relies on them. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT_MANTISSA = 2 ** 53;

export class ByteScanner {
  /** Current read position. */
  pos = 0;
  /** 1-based line of `pos`. */
  line = 1;
  /** The last token read, as a byte range. */
  tokenStart = 0;
  tokenEnd = 0;

  constructor(readonly bytes: Uint8Array) {}

  atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Skips spaces and newlines (counting lines). */
  skipSpace(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    while (pos < bytes.length) {
      const byte = bytes[pos]!;
      if (byte === LF) this.line++;
      else if (!isInlineSpace(byte)) break;
      pos++;
    }
    this.pos = pos;
  }

  /** Skips spaces but stops at a newline: for line-based formats (OBJ). */
  skipInlineSpace(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    while (pos < bytes.length && isInlineSpace(bytes[pos]!)) pos++;
    this.pos = pos;
  }

  /** True at a newline or the end of the input (after {@link skipInlineSpace}). */
  atLineEnd(): boolean {
    return this.pos >= this.bytes.length || this.bytes[this.pos] === LF;
  }

  /** Moves past the next newline (or to the end). */
  skipLine(): void {
    const next = this.bytes.indexOf(LF, this.pos);
    if (next < 0) {
      this.pos = this.bytes.length;
    } else {
      this.pos = next + 1;
      this.line++;
    }
  }

  /** Reads the next whitespace-delimited token; false at the end of the input. */
  nextToken(): boolean {
    this.skipSpace();
    return this.readTokenHere();
  }

  /** Reads a token starting at `pos` without crossing a newline; false if there is none on this line. */
  nextTokenOnLine(): boolean {
    this.skipInlineSpace();
    return this.readTokenHere();
  }

  private readTokenHere(): boolean {
    const bytes = this.bytes;
    let pos = this.pos;
    this.tokenStart = pos;
    while (pos < bytes.length && !isSpace(bytes[pos]!)) pos++;
    this.tokenEnd = pos;
    this.pos = pos;
    return pos > this.tokenStart;
  }

  /** Case-insensitive comparison of the last token with a lower-case ASCII keyword. */
  tokenIs(keyword: string): boolean {
    const length = this.tokenEnd - this.tokenStart;
    if (length !== keyword.length) return false;
    for (let i = 0; i < length; i++) {
      // OR-ing 0x20 lower-cases ASCII letters; keywords hold letters only.
      if ((this.bytes[this.tokenStart + i]! | 0x20) !== keyword.charCodeAt(i)) return false;
    }
    return true;
  }

  /** The last token for an error message, shortened; "end of file" when there is none. */
  describeToken(): string {
    if (this.tokenEnd <= this.tokenStart) return 'end of file';
    const end = Math.min(this.tokenEnd, this.tokenStart + 40);
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.tokenStart, end - this.tokenStart).toString('latin1');
    return `"${text}${end < this.tokenEnd ? '...' : ''}"`;
  }

  /**
   * The last token as a number, or undefined when it is not one. Plain
   * decimals with up to 15 significant digits and a small exponent take an
   * exact fast path (integer mantissa times an exact power of ten is
   * correctly rounded, Clinger 1990); anything else goes through `Number`,
   * so both paths give exactly what `Number(text)` gives. `nan`/`inf` spellings
   * are accepted so that such files are reported as NON_FINITE_COORDINATES
   * with their face, not as a syntax error.
   */
  tokenNumber(): number | undefined {
    const fast = this.fastNumber();
    return Number.isNaN(fast) ? this.slowNumber() : fast;
  }

  /** NaN means "not handled here" (a NaN literal takes the slow path). */
  private fastNumber(): number {
    const bytes = this.bytes;
    let pos = this.tokenStart;
    const end = this.tokenEnd;
    let negative = false;
    if (pos < end && (bytes[pos] === 0x2d || bytes[pos] === 0x2b)) {
      negative = bytes[pos] === 0x2d;
      pos++;
    }
    let mantissa = 0;
    let anyDigit = false;
    let digits = 0;
    let fractionDigits = 0;
    let seenPoint = false;
    for (; pos < end; pos++) {
      const byte = bytes[pos]!;
      if (byte >= 0x30 && byte <= 0x39) {
        anyDigit = true;
        // Leading zeros are not significant and must not use up the 15 digits.
        if (mantissa !== 0 || byte !== 0x30) digits++;
        mantissa = mantissa * 10 + (byte - 0x30);
        if (seenPoint) fractionDigits++;
      } else if (byte === 0x2e && !seenPoint) {
        seenPoint = true;
      } else {
        break;
      }
    }
    if (!anyDigit || digits > 15) return NaN;
    let exponent = 0;
    if (pos < end) {
      if ((bytes[pos]! | 0x20) !== 0x65) return NaN;
      pos++;
      let negativeExponent = false;
      if (pos < end && (bytes[pos] === 0x2d || bytes[pos] === 0x2b)) {
        negativeExponent = bytes[pos] === 0x2d;
        pos++;
      }
      if (pos === end) return NaN;
      for (; pos < end; pos++) {
        const byte = bytes[pos]!;
        if (byte < 0x30 || byte > 0x39 || exponent > 1000) return NaN;
        exponent = exponent * 10 + (byte - 0x30);
      }
      if (negativeExponent) exponent = -exponent;
    }
    exponent -= fractionDigits;
    if (mantissa >= MAX_EXACT_MANTISSA || exponent < -22 || exponent > 22) return NaN;
    const magnitude = exponent < 0 ? mantissa / EXACT_POWERS_OF_TEN[-exponent]! : mantissa * EXACT_POWERS_OF_TEN[exponent]!;
    return negative ? -magnitude : magnitude;
  }

  private slowNumber(): number | undefined {
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.tokenStart, this.tokenEnd - this.tokenStart).toString('latin1');
    const special = /^([+-]?)(nan|inf|infinity)$/i.exec(text);
    if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
    // Number() accepts hex, binary and empty strings, which no model format has.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
    return Number(text);
  }
}

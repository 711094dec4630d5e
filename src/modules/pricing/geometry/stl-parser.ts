import { ByteScanner, isSpace } from './byte-text';
import { modelIssue, plural, type ModelIssue } from './model-issue';
import { FloatGrower } from './float-grower';
import { parseObj } from './obj-parser';
import { tooManyTriangles, type ModelFormat, type ParsedModel } from './parsed-model';

export type { ModelFormat, ParsedModel } from './parsed-model';

/*
 * Recognises and parses the model formats customers upload: binary STL,
 * ASCII STL and (as a bonus, in obj-parser.ts) Wavefront OBJ, each into the
 * same triangle soup (see ParsedModel).
 */
export const BINARY_STL_HEADER_BYTES = 84;
export const BINARY_STL_TRIANGLE_BYTES = 50;
/** Bytes to read from the start of an upload for {@link detectModelFormatFromPrefix} to be final. */
export const MODEL_SNIFF_BYTES = 1024;
/** Binary triangles checked for plausible floats when the file size does not settle the format. */
const PLAUSIBILITY_TRIANGLES = 8;
/** Coordinates beyond a kilometre are not jewellery; random bytes read as floats mostly are. */
const MAX_PLAUSIBLE_COORDINATE = 1e6;

export interface ParseOptions {
  /** Parsing stops (with TOO_MANY_TRIANGLES) beyond this many triangles, before allocating for them. */
  readonly maxTriangles?: number;
}

/** Decides the format of a whole file held in memory. */
export function detectModelFormat(bytes: Uint8Array): ModelFormat | null {
  return detectModelFormatFromPrefix(bytes.subarray(0, MODEL_SNIFF_BYTES), bytes.length);
}

/**
 * Decides the format from the first bytes of an upload, so a non-model can be
 * refused before the body is stored. The answer is final once `prefix` holds
 * {@link MODEL_SNIFF_BYTES} bytes (or the whole file); pass `totalLength`
 * (e.g. Content-Length) when known, since a binary STL is recognised by
 * 84 + 50 x n == length, even when its header starts with "solid".
 */
export function detectModelFormatFromPrefix(prefix: Uint8Array, totalLength?: number): ModelFormat | null {
  if (prefix.length === 0) return null;
  if (totalLength !== undefined && hasBinaryStlSize(prefix, totalLength)) return 'stl-binary';
  const sniffed = prefix.subarray(0, MODEL_SNIFF_BYTES);
  if (looksLikeText(sniffed)) {
    if (startsWithSolid(sniffed)) return 'stl-ascii';
    if (looksLikeObj(sniffed, totalLength === undefined || totalLength > sniffed.length)) return 'obj';
  }
  // A binary STL whose size does not match its header (cut short, wrong count):
  // still an STL, so the parser can say exactly what is wrong with it.
  return looksLikeBinaryStl(sniffed) ? 'stl-binary' : null;
}

/** Parses any supported format; never throws for bad input. */
export function parseModel(bytes: Uint8Array, options: ParseOptions = {}): ParsedModel {
  const maxTriangles = options.maxTriangles ?? Number.MAX_SAFE_INTEGER;
  if (bytes.length === 0) return failed(null, [modelIssue('EMPTY_MODEL', 'file is empty (0 bytes)')]);
  const format = detectModelFormat(bytes);
  switch (format) {
    case 'stl-binary':
      return withEmptyCheck(parseBinaryStl(bytes, maxTriangles));
    case 'stl-ascii':
      return withEmptyCheck(parseAsciiStl(bytes, maxTriangles));
    case 'obj':
      return withEmptyCheck(parseObj(bytes, maxTriangles));
    case null:
      return failed(null, [modelIssue('UNRECOGNIZED_FORMAT', describeUnrecognized(bytes))]);
  }
}

// ---------------------------------------------------------------- binary STL

/** Triangle count from a binary STL header (bytes 80..83, little-endian). */
export function readDeclaredTriangleCount(bytes: Uint8Array): number {
  return (bytes[80]! | (bytes[81]! << 8) | (bytes[82]! << 16) | (bytes[83]! << 24)) >>> 0;
}

/** Whole triangles a binary STL of `totalLength` bytes holds, and the bytes of a cut-off one. */
export function binaryStlCapacity(totalLength: number): { held: number; partialBytes: number } {
  const body = Math.max(0, totalLength - BINARY_STL_HEADER_BYTES);
  return { held: Math.floor(body / BINARY_STL_TRIANGLE_BYTES), partialBytes: body % BINARY_STL_TRIANGLE_BYTES };
}

/**
 * TRUNCATED_FILE / TRIANGLE_COUNT_MISMATCH from the header count and the file
 * length alone. A partial record the header still counts on means the file
 * was cut short; one past the declared count means stray bytes, which is a
 * size mismatch rather than truncation. Messages give both sides in bytes, so
 * a customer can see whether the export or the upload lost data.
 */
export function binaryStlLayoutIssues(declared: number, totalLength: number): ModelIssue[] {
  const { held, partialBytes } = binaryStlCapacity(totalLength);
  const issues: ModelIssue[] = [];
  const cutShort = partialBytes > 0 && held < declared;
  if (cutShort) {
    issues.push(
      modelIssue('TRUNCATED_FILE', `file ends ${plural(partialBytes, 'byte')} into triangle ${held + 1} (a binary STL triangle takes ${BINARY_STL_TRIANGLE_BYTES} bytes)`),
    );
  }
  if (held !== declared || (partialBytes > 0 && !cutShort)) {
    const expectedBytes = BINARY_STL_HEADER_BYTES + BINARY_STL_TRIANGLE_BYTES * declared;
    const content = partialBytes > 0 && !cutShort ? `${plural(held, 'whole triangle')} and ${plural(partialBytes, 'stray byte')}` : plural(held, 'whole triangle');
    issues.push(
      modelIssue(
        'TRIANGLE_COUNT_MISMATCH',
        `header says ${plural(declared, 'triangle')} (${plural(expectedBytes, 'byte')}), but the file has ${plural(totalLength, 'byte')}: ${content}`,
      ),
    );
  }
  return issues;
}

function parseBinaryStl(bytes: Uint8Array, maxTriangles: number): ParsedModel {
  const declared = readDeclaredTriangleCount(bytes);
  const { held } = binaryStlCapacity(bytes.length);
  const issues = binaryStlLayoutIssues(declared, bytes.length);
  if (held > maxTriangles) {
    issues.push(tooManyTriangles(held, maxTriangles));
    return { format: 'stl-binary', positions: new Float32Array(0), triangleCount: held, declaredTriangleCount: declared, issues };
  }
  // Every whole triangle the file holds is read, even beyond a wrong header count:
  // the geometry then tells whether the header or the data is at fault.
  const positions = new Float32Array(held * 9);
  decodeBinaryTriangles(bytes, held, positions);
  return { format: 'stl-binary', positions, triangleCount: held, declaredTriangleCount: declared, issues };
}

/**
 * Reads the 9 coordinates of each 50-byte record into `out`, skipping the
 * stored normal and attribute bytes. Records sit at 2-byte alignment, so a
 * Float32Array cannot view them in place; a DataView reads unaligned
 * little-endian floats on any host, and V8 compiles getFloat32 to a single
 * load (it measured as fast as copying 16-bit words, and is simpler).
 */
function decodeBinaryTriangles(bytes: Uint8Array, count: number, out: Float32Array): void {
  decodeBinaryRecords(bytes, BINARY_STL_HEADER_BYTES, count, out, 0);
}

/** Decodes `count` whole records starting at byte `from` of `bytes` into `out` from triangle `firstTriangle`. */
function decodeBinaryRecords(bytes: Uint8Array, from: number, count: number, out: Float32Array, firstTriangle: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let record = from + 12;
  let o = 9 * firstTriangle;
  for (let t = 0; t < count; t++) {
    for (let k = 0; k < 9; k++) out[o + k] = view.getFloat32(record + 4 * k, true);
    record += BINARY_STL_TRIANGLE_BYTES;
    o += 9;
  }
}

/**
 * Decodes a binary STL as its bytes arrive (from a blob-store stream or a
 * file read in chunks), straight into one preallocated soup: the file itself
 * is never held in memory, and a caller may reuse its chunk buffer as soon
 * as `write` returns. `triangles` is how many whole records the complete
 * file holds (see binaryStlCapacity); bytes beyond them are ignored.
 */
export class BinaryStlStreamDecoder {
  readonly positions: Float32Array;
  /** Whole triangles decoded so far. */
  decoded = 0;
  private headerLeft = BINARY_STL_HEADER_BYTES;
  /** A record split across chunks, collected until complete. */
  private readonly partial = new Uint8Array(BINARY_STL_TRIANGLE_BYTES);
  private partialLength = 0;

  constructor(readonly triangles: number) {
    this.positions = new Float32Array(9 * triangles);
  }

  write(chunk: Uint8Array): void {
    let pos = Math.min(this.headerLeft, chunk.length);
    this.headerLeft -= pos;
    if (this.partialLength > 0) pos = this.completePartial(chunk, pos);
    const whole = Math.min(Math.floor((chunk.length - pos) / BINARY_STL_TRIANGLE_BYTES), this.triangles - this.decoded);
    decodeBinaryRecords(chunk, pos, whole, this.positions, this.decoded);
    this.decoded += whole;
    pos += whole * BINARY_STL_TRIANGLE_BYTES;
    if (pos < chunk.length && this.decoded < this.triangles) {
      this.partial.set(chunk.subarray(pos), 0);
      this.partialLength = chunk.length - pos;
    }
  }

  /** The soup of the triangles decoded (all of them once the whole file was written). */
  result(): Float32Array {
    return this.positions.subarray(0, 9 * this.decoded);
  }

  private completePartial(chunk: Uint8Array, pos: number): number {
    const take = Math.min(BINARY_STL_TRIANGLE_BYTES - this.partialLength, chunk.length - pos);
    this.partial.set(chunk.subarray(pos, pos + take), this.partialLength);
    this.partialLength += take;
    if (this.partialLength === BINARY_STL_TRIANGLE_BYTES) {
      decodeBinaryRecords(this.partial, 0, 1, this.positions, this.decoded++);
      this.partialLength = 0;
    }
    return pos + take;
  }
}

function hasBinaryStlSize(prefix: Uint8Array, totalLength: number): boolean {
  if (prefix.length < BINARY_STL_HEADER_BYTES || totalLength < BINARY_STL_HEADER_BYTES) return false;
  return BINARY_STL_HEADER_BYTES + BINARY_STL_TRIANGLE_BYTES * readDeclaredTriangleCount(prefix) === totalLength;
}

/**
 * Binary STL has no magic number. When the size rule fails, the first
 * triangles must read as sane floats (finite, normals within [-1, 1],
 * coordinates within a kilometre): random bytes pass this for one triangle
 * about once in a thousand, for eight about never. With no whole triangle to
 * look at, a header of printable text or NULs (what exporters write) decides.
 */
function looksLikeBinaryStl(prefix: Uint8Array): boolean {
  if (prefix.length < BINARY_STL_HEADER_BYTES) return false;
  const { held } = binaryStlCapacity(prefix.length);
  if (held === 0) return headerLooksWritten(prefix);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const checked = Math.min(held, PLAUSIBILITY_TRIANGLES);
  for (let t = 0; t < checked; t++) {
    const record = BINARY_STL_HEADER_BYTES + t * BINARY_STL_TRIANGLE_BYTES;
    for (let k = 0; k < 12; k++) {
      const value = view.getFloat32(record + 4 * k, true);
      const limit = k < 3 ? 1.01 : MAX_PLAUSIBLE_COORDINATE;
      if (!(Math.abs(value) <= limit)) return false;
    }
  }
  return true;
}

function headerLooksWritten(prefix: Uint8Array): boolean {
  for (let i = 0; i < 80; i++) {
    const byte = prefix[i]!;
    if (byte !== 0 && (byte < 0x20 || byte > 0x7e)) return false;
  }
  return true;
}

// ---------------------------------------------------------------- ASCII STL

/**
 * `solid name / facet normal n n n / outer loop / vertex x y z (x3) / endloop /
 * endfacet ... / endsolid name`, case-insensitive, any whitespace, several
 * solids in a row tolerated. The file's own order is required, so a mangled
 * file fails at the exact line rather than yielding wrong geometry.
 */
export function parseAsciiStl(bytes: Uint8Array, maxTriangles = Number.MAX_SAFE_INTEGER): ParsedModel {
  return new AsciiStlReader(bytes, maxTriangles).read();
}

class AsciiStlReader {
  private readonly scanner: ByteScanner;
  // Roughly 250 bytes per facet as exporters write them; the grower doubles when short.
  private readonly out: FloatGrower;
  private triangles = 0;
  private issue: ModelIssue | null = null;

  constructor(
    bytes: Uint8Array,
    private readonly maxTriangles: number,
  ) {
    this.scanner = new ByteScanner(bytes);
    this.out = new FloatGrower(9 * Math.min(maxTriangles + 1, Math.ceil(bytes.length / 250) + 1));
  }

  read(): ParsedModel {
    this.readSolids();
    return {
      format: 'stl-ascii',
      positions: this.out.view(),
      triangleCount: this.triangles,
      declaredTriangleCount: null,
      issues: this.issue ? [this.issue] : [],
    };
  }

  private readSolids(): void {
    const s = this.scanner;
    if (!this.keyword('solid')) return;
    s.skipLine(); // the solid's name
    for (;;) {
      if (!s.nextToken()) {
        this.fail('TRUNCATED_FILE', `file ends at line ${s.line} without "endsolid"`);
        return;
      }
      if (s.tokenIs('endsolid')) {
        s.skipLine();
        if (!s.nextToken()) return;
        if (!s.tokenIs('solid')) return this.expected('"solid" or end of file');
        s.skipLine();
        continue;
      }
      if (!s.tokenIs('facet')) return this.expected('"facet" or "endsolid"');
      if (this.triangles === this.maxTriangles) {
        this.issue = tooManyTriangles(this.triangles + 1, this.maxTriangles, true);
        return;
      }
      if (!this.readFacetBody()) return;
      this.triangles++;
    }
  }

  /** Everything after "facet" up to and including "endfacet". */
  private readFacetBody(): boolean {
    if (!this.keyword('normal') || !this.numbers(3, null)) return false;
    if (!this.keyword('outer') || !this.keyword('loop')) return false;
    for (let corner = 0; corner < 3; corner++) {
      if (!this.keyword('vertex') || !this.numbers(3, this.out)) return false;
    }
    return this.keyword('endloop') && this.keyword('endfacet');
  }

  private keyword(expected: string): boolean {
    const s = this.scanner;
    if (s.nextToken() && s.tokenIs(expected)) return true;
    this.expected(`"${expected}"`);
    return false;
  }

  private numbers(count: number, into: FloatGrower | null): boolean {
    const s = this.scanner;
    for (let i = 0; i < count; i++) {
      const value = s.nextToken() ? s.tokenNumber() : undefined;
      if (value === undefined) {
        this.expected('a number');
        return false;
      }
      into?.push(value);
    }
    return true;
  }

  private expected(what: string): void {
    const s = this.scanner;
    if (s.tokenEnd <= s.tokenStart && s.atEnd()) {
      this.fail('TRUNCATED_FILE', `file ends at line ${s.line} inside facet ${this.triangles + 1} (expected ${what})`);
    } else {
      this.fail('SYNTAX_ERROR', `line ${s.line}: expected ${what}, found ${s.describeToken()}`);
    }
  }

  private fail(code: 'TRUNCATED_FILE' | 'SYNTAX_ERROR', message: string): void {
    this.issue = modelIssue(code, message, 1, [{ kind: 'line', line: this.scanner.line }]);
    // Keep only whole facets: a half-read one must not reach the geometry.
    this.out.truncate(this.triangles * 9);
  }
}

// ---------------------------------------------------------------- helpers

/** Adds EMPTY_MODEL to a parse that found no triangle (unless it stopped for a worse reason). */
export function withEmptyCheck(parsed: ParsedModel): ParsedModel {
  const blocking = parsed.issues.some((issue) => issue.code === 'SYNTAX_ERROR' || issue.code === 'TOO_MANY_TRIANGLES');
  if (parsed.triangleCount > 0 || blocking) return parsed;
  return { ...parsed, issues: [...parsed.issues, modelIssue('EMPTY_MODEL', 'model has no triangles')] };
}

function failed(format: ModelFormat | null, issues: ModelIssue[]): ParsedModel {
  return { format, positions: new Float32Array(0), triangleCount: 0, declaredTriangleCount: null, issues };
}

function describeUnrecognized(bytes: Uint8Array): string {
  const base = 'not a binary STL, ASCII STL or OBJ model';
  const prefix = bytes.subarray(0, MODEL_SNIFF_BYTES);
  // A text file's header count is meaningless: say what the text looks like instead.
  if (looksLikeText(prefix) && textStart(prefix) === '') return `${base} (the file holds only whitespace)`;
  if (looksLikeText(prefix)) return `${base} (a text file that neither starts with "solid" nor holds only OBJ lines; it starts with "${textStart(prefix)}")`;
  if (bytes.length < BINARY_STL_HEADER_BYTES) return `${base} (the file has ${plural(bytes.length, 'byte')}, fewer than the ${BINARY_STL_HEADER_BYTES} of a binary STL header)`;
  const declared = readDeclaredTriangleCount(bytes);
  const expected = BINARY_STL_HEADER_BYTES + BINARY_STL_TRIANGLE_BYTES * declared;
  return `${base} (read as binary STL the header says ${plural(declared, 'triangle')}, i.e. ${expected} bytes, but the file has ${bytes.length})`;
}

/** The first 30 characters of the first non-blank line, for a message. */
function textStart(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').trimStart();
  const line = text.split(/\r?\n/, 1)[0]!.trimEnd();
  return line.length > 30 ? `${line.slice(0, 30)}...` : line;
}

/** No control bytes other than whitespace: ASCII STL and OBJ (UTF-8 names allowed). */
function looksLikeText(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if ((byte < 0x20 && !isSpace(byte)) || byte === 0x7f) return false;
  }
  return true;
}

function startsWithSolid(bytes: Uint8Array): boolean {
  const s = new ByteScanner(bytes);
  // A whole token: "solidworks.step" is not an STL.
  return s.nextToken() && s.tokenIs('solid');
}

const OBJ_KEYWORDS = new Set(['v', 'vt', 'vn', 'vp', 'f', 'l', 'p', 'o', 'g', 's', 'usemtl', 'mtllib', 'cstype', 'deg', 'curv', 'surf', 'parm', 'end']);
const OBJ_GEOMETRY = new Set(['v', 'f']);

/**
 * Every complete line starts with an OBJ keyword or '#', and at least one is a
 * vertex or face line. `lastLineMayBeCut`: the prefix may end mid-line.
 */
function looksLikeObj(bytes: Uint8Array, lastLineMayBeCut: boolean): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const lines = text.split('\n');
  if (lastLineMayBeCut && lines.length > 1) lines.pop();
  let geometry = false;
  for (const line of lines) {
    const keyword = line.trim().split(/\s+/, 1)[0] ?? '';
    if (keyword === '' || keyword.startsWith('#')) continue;
    if (!OBJ_KEYWORDS.has(keyword)) return false;
    geometry ||= OBJ_GEOMETRY.has(keyword);
  }
  return geometry;
}

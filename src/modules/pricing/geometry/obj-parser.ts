import { ByteScanner } from './byte-text';
import { FloatGrower } from './float-grower';
import { modelIssue, type ModelIssue } from './model-issue';
import { tooManyTriangles, type ParsedModel } from './parsed-model';

/**
 * Wavefront OBJ, geometry only: `v x y z [w]` and `f a b c ...` lines, where a
 * reference may be `i`, `i/t`, `i//n` or `i/t/n` and negative indices count
 * back from the last vertex. Polygons are split into a fan of triangles
 * (a, b, c), (a, c, d)...: exact for the convex faces exporters write.
 * Everything else (normals, texture coordinates, groups, materials) is
 * skipped. The output is the same triangle soup as the STL parsers.
 */
export function parseObj(bytes: Uint8Array, maxTriangles = Number.MAX_SAFE_INTEGER): ParsedModel {
  return new ObjReader(bytes, maxTriangles).read();
}

const HASH = 0x23;
const SLASH = 0x2f;
const MINUS = 0x2d;

class ObjReader {
  private readonly scanner: ByteScanner;
  private readonly vertices = new FloatGrower(3 * 1024);
  private readonly out: FloatGrower;
  /** The vertex indices of the face being read; reused across faces. */
  private polygon: Uint32Array = new Uint32Array(64);
  private triangles = 0;
  private issue: ModelIssue | null = null;

  constructor(
    bytes: Uint8Array,
    private readonly maxTriangles: number,
  ) {
    this.scanner = new ByteScanner(bytes);
    this.out = new FloatGrower(9 * 1024);
  }

  read(): ParsedModel {
    const s = this.scanner;
    while (!s.atEnd() && this.issue === null) {
      if (!s.nextTokenOnLine()) {
        s.skipLine();
      } else if (s.tokenIs('v')) {
        this.readVertex();
      } else if (s.tokenIs('f')) {
        this.readFace();
      } else {
        s.skipLine(); // comments, normals, texture coordinates, groups, materials
      }
    }
    return {
      format: 'obj',
      positions: this.out.view(),
      triangleCount: this.triangles,
      declaredTriangleCount: null,
      issues: this.issue ? [this.issue] : [],
    };
  }

  private readVertex(): void {
    const s = this.scanner;
    for (let axis = 0; axis < 3; axis++) {
      const value = s.nextTokenOnLine() ? s.tokenNumber() : undefined;
      if (value === undefined) return this.syntaxError(`expected 3 vertex coordinates, found ${this.found()}`);
      this.vertices.push(value);
    }
    s.skipLine(); // an optional w, or vertex colours some exporters append
  }

  private readFace(): void {
    const s = this.scanner;
    let corners = 0;
    while (s.nextTokenOnLine() && s.bytes[s.tokenStart] !== HASH) {
      const index = this.resolveReference();
      if (index < 0) return;
      if (corners === this.polygon.length) this.polygon = growIndices(this.polygon);
      this.polygon[corners++] = index;
    }
    if (corners < 3) return this.syntaxError(`a face needs at least 3 vertices, found ${corners}`);
    const added = corners - 2;
    if (this.triangles + added > this.maxTriangles) {
      this.issue = tooManyTriangles(this.triangles + added, this.maxTriangles, true);
      return;
    }
    for (let k = 1; k + 1 < corners; k++) {
      this.pushCorner(this.polygon[0]!);
      this.pushCorner(this.polygon[k]!);
      this.pushCorner(this.polygon[k + 1]!);
    }
    this.triangles += added;
    s.skipLine();
  }

  /** The 0-based vertex of the current reference token, or -1 after recording an error. */
  private resolveReference(): number {
    const s = this.scanner;
    const bytes = s.bytes;
    let pos = s.tokenStart;
    const negative = bytes[pos] === MINUS;
    if (negative) pos++;
    let value = 0;
    let digits = 0;
    for (; pos < s.tokenEnd && bytes[pos] !== SLASH; pos++) {
      const digit = bytes[pos]! - 0x30;
      if (digit < 0 || digit > 9) {
        digits = 0;
        break;
      }
      value = value * 10 + digit;
      digits++;
    }
    const vertexCount = this.vertices.length / 3;
    const index = negative ? vertexCount - value : value - 1;
    if (digits === 0 || value === 0) {
      this.syntaxError(`expected a vertex reference, found ${s.describeToken()}`);
      return -1;
    }
    if (index < 0 || index >= vertexCount) {
      this.syntaxError(`face refers to vertex ${negative ? -value : value}, but only ${vertexCount} are defined so far`);
      return -1;
    }
    return index;
  }

  private pushCorner(vertex: number): void {
    const base = vertex * 3;
    this.out.push(this.vertices.at(base));
    this.out.push(this.vertices.at(base + 1));
    this.out.push(this.vertices.at(base + 2));
  }

  private found(): string {
    const s = this.scanner;
    return s.tokenEnd > s.tokenStart ? s.describeToken() : 'end of line';
  }

  private syntaxError(detail: string): void {
    const line = this.scanner.line;
    this.issue = modelIssue('SYNTAX_ERROR', `line ${line}: ${detail}`, 1, [{ kind: 'line', line }]);
    this.out.truncate(this.triangles * 9);
  }
}

function growIndices(indices: Uint32Array): Uint32Array {
  const next = new Uint32Array(indices.length * 2);
  next.set(indices);
  return next;
}

import { analyzeEdges } from './edges';
import { boundingBoxOf, measureTriangles, type BoundingBox } from './measure';
import { weldVertices } from './mesh';
import { hasErrors, modelIssue, type ModelIssue, type ModelIssueCode } from './model-issue';
import { tooManyTriangles, type ModelFormat, type ParsedModel } from './parsed-model';
import { Scratch } from './scratch';
import { BINARY_STL_HEADER_BYTES, binaryStlCapacity, binaryStlLayoutIssues, detectModelFormatFromPrefix, parseModel, readDeclaredTriangleCount } from './stl-parser';
import { DEFAULT_MODEL_LIMITS, validateGeometry, type ModelLimits } from './validate';

/**
 * The one entry point pricing, uploads and the catalogue use: bytes in,
 * numbers and issues out. Nothing throws for a bad model; `ok` says whether
 * any issue is an error, and the caller decides what that means (422 for an
 * upload, a cancelled order for pricing).
 */
export interface ModelAnalysis {
  readonly format: ModelFormat | null;
  readonly triangleCount: number;
  /** Distinct vertices after exact welding. */
  readonly vertexCount: number;
  /** Signed volume in mm³ (negative for an inside-out model). */
  readonly volumeMm3: number;
  readonly surfaceAreaMm2: number;
  /** null when there is no finite triangle to bound. */
  readonly boundingBox: BoundingBox | null;
  readonly shellCount: number;
  readonly issues: readonly ModelIssue[];
  /** No issue of severity `error`. */
  readonly ok: boolean;
}

/** Codes after which there is no geometry worth measuring. */
const BLOCKING: ReadonlySet<ModelIssueCode> = new Set(['EMPTY_MODEL', 'UNRECOGNIZED_FORMAT', 'SYNTAX_ERROR', 'TOO_MANY_TRIANGLES']);

export function analyzeModel(bytes: Uint8Array, limits: Partial<ModelLimits> = {}): ModelAnalysis {
  const effective = withDefaults(limits);
  return analyzeParsedModel(parseModel(bytes, { maxTriangles: effective.maxTriangles }), effective);
}

/**
 * The analysis of a model a caller parsed itself (the stream analyzer).
 * It takes ownership of `parsed.positions`: once welded and measured, the
 * soup's memory is reused for the edge analysis.
 */
export function analyzeParsedModel(parsed: ParsedModel, limits: ModelLimits): ModelAnalysis {
  if (parsed.issues.some((issue) => BLOCKING.has(issue.code))) {
    return { ...emptyAnalysis(parsed.issues), format: parsed.format, triangleCount: parsed.triangleCount };
  }
  const geometry = analyzeSoup(parsed.positions, limits, true);
  const issues = [...parsed.issues, ...geometry.issues];
  return { ...geometry, format: parsed.format, issues, ok: !hasErrors(issues) };
}

/**
 * The geometry half of {@link analyzeModel}, for triangles that never were a
 * file (the catalogue checks its generated pieces with it). `positions` is
 * left as it was.
 */
export function analyzeTriangleSoup(positions: Float32Array, limits: Partial<ModelLimits> = {}): ModelAnalysis {
  return analyzeSoup(positions, withDefaults(limits), false);
}

export function withDefaults(limits: Partial<ModelLimits>): ModelLimits {
  return { ...DEFAULT_MODEL_LIMITS, ...limits };
}

function analyzeSoup(positions: Float32Array, limits: ModelLimits, mayReusePositions: boolean): ModelAnalysis {
  const triangleCount = Math.floor(positions.length / 9);
  if (triangleCount > limits.maxTriangles) {
    return { ...emptyAnalysis([tooManyTriangles(triangleCount, limits.maxTriangles)]), triangleCount };
  }
  if (triangleCount === 0) return emptyAnalysis([modelIssue('EMPTY_MODEL', 'model has no triangles')]);
  const measures = measureTriangles(positions);
  const mesh = weldVertices(positions, limits.weldToleranceMm ?? 0);
  // From here on the soup is dead: welding and measuring were its last readers.
  const topology = analyzeEdges(mesh.indices, mesh.vertexCount, mayReusePositions ? Scratch.reusing(positions) : Scratch.none());
  const boundingBox = boundingBoxOf(mesh.vertices);
  const issues = validateGeometry({ measures, mesh, topology, boundingBox }, limits);
  return {
    format: null,
    triangleCount,
    vertexCount: mesh.vertexCount,
    volumeMm3: measures.volumeMm3,
    surfaceAreaMm2: measures.surfaceAreaMm2,
    boundingBox,
    shellCount: topology.shellCount,
    issues,
    ok: !hasErrors(issues),
  };
}

function emptyAnalysis(issues: readonly ModelIssue[]): ModelAnalysis {
  return {
    format: null,
    triangleCount: 0,
    vertexCount: 0,
    volumeMm3: 0,
    surfaceAreaMm2: 0,
    boundingBox: null,
    shellCount: 0,
    issues,
    ok: !hasErrors(issues),
  };
}

/** What the first bytes of an upload (and its length, when known) already tell. */
export interface ModelHeader {
  readonly format: ModelFormat | null;
  /** From a binary STL header; null for the text formats. */
  readonly declaredTriangleCount: number | null;
  /** UNRECOGNIZED_FORMAT, EMPTY_MODEL, TRUNCATED_FILE, TRIANGLE_COUNT_MISMATCH or TOO_MANY_TRIANGLES. */
  readonly issues: readonly ModelIssue[];
  readonly ok: boolean;
}

/**
 * Quick checks on an upload before it is stored: pass at least the first
 * MODEL_SNIFF_BYTES bytes (or the whole file) and the total length when
 * known (Content-Length). For a binary STL the header count and the length
 * settle truncation, count mismatch and the triangle limit without reading
 * a single triangle; text formats need the full parse for those.
 */
export function parseModelHeader(prefix: Uint8Array, totalLength?: number, limits: Partial<ModelLimits> = {}): ModelHeader {
  const { maxTriangles } = withDefaults(limits);
  if (totalLength === 0 || prefix.length === 0) {
    return header(null, null, [modelIssue('EMPTY_MODEL', 'file is empty (0 bytes)')]);
  }
  const format = detectModelFormatFromPrefix(prefix, totalLength);
  if (format === null) {
    return header(null, null, [modelIssue('UNRECOGNIZED_FORMAT', 'not a binary STL, ASCII STL or OBJ model')]);
  }
  if (format !== 'stl-binary' || prefix.length < BINARY_STL_HEADER_BYTES) return header(format, null, []);
  const declared = readDeclaredTriangleCount(prefix);
  const issues = totalLength === undefined ? [] : binaryStlLayoutIssues(declared, totalLength);
  const triangles = totalLength === undefined ? declared : binaryStlCapacity(totalLength).held;
  if (triangles > maxTriangles) issues.push(tooManyTriangles(triangles, maxTriangles));
  if (triangles === 0 && totalLength !== undefined) issues.push(modelIssue('EMPTY_MODEL', 'model has no triangles'));
  return header(format, declared, issues);
}

function header(format: ModelFormat | null, declaredTriangleCount: number | null, issues: ModelIssue[]): ModelHeader {
  return { format, declaredTriangleCount, issues, ok: !hasErrors(issues) };
}

import type { EdgeTopology } from './edges';
import { measureShells, type BoundingBox, type ShellMeasures, type TriangleMeasures } from './measure';
import type { IndexedMesh } from './mesh';
import { MAX_ISSUE_SAMPLES, modelIssue, plural, type IssueSample, type ModelIssue, type Vec3 } from './model-issue';

/**
 * Turns measured geometry into issues, each with its exact count and the
 * numbers in its message. The limits are data so that a product can differ:
 * a pair of earrings is legitimately 2 shells.
 */
export interface ModelLimits {
  /** More triangles than this are refused before any geometry work. */
  readonly maxTriangles: number;
  /** The largest bounding-box dimension must be at least this (mm). */
  readonly minDimensionMm: number;
  /** No bounding-box dimension may exceed this (mm). */
  readonly maxDimensionMm: number;
  /** Separate solid parts allowed in one model. */
  readonly maxShells: number;
  /**
   * Corners closer than this (mm) are merged after exact welding. 0, the
   * default, merges only identical coordinates: a tolerance closes gaps the
   * caster would see, so raise it only for an exporter known to write a
   * shared corner with slightly different floats.
   */
  readonly weldToleranceMm?: number;
}

/** A jewellery piece: one solid between 1 mm and 200 mm, at most 2M triangles. */
export const DEFAULT_MODEL_LIMITS: ModelLimits = Object.freeze({
  maxTriangles: 2_000_000,
  minDimensionMm: 1,
  maxDimensionMm: 200,
  maxShells: 1,
  weldToleranceMm: 0,
});

export interface GeometryFacts {
  readonly measures: TriangleMeasures;
  readonly mesh: IndexedMesh;
  readonly topology: EdgeTopology;
  readonly boundingBox: BoundingBox | null;
}

export function validateGeometry(facts: GeometryFacts, limits: ModelLimits = DEFAULT_MODEL_LIMITS): ModelIssue[] {
  return [...faceIssues(facts.measures), ...edgeIssues(facts.topology, facts.mesh), ...solidIssues(facts, limits)];
}

function faceIssues(measures: TriangleMeasures): ModelIssue[] {
  const issues: ModelIssue[] = [];
  if (measures.nonFiniteFaces > 0) {
    issues.push(
      modelIssue(
        'NON_FINITE_COORDINATES',
        `${plural(measures.nonFiniteFaces, 'face has', 'faces have')} NaN or infinite coordinates (${whichTriangles(measures.nonFiniteSample, measures.nonFiniteFaces)})`,
        measures.nonFiniteFaces,
        faceSamples(measures.nonFiniteSample),
      ),
    );
  }
  if (measures.degenerateFaces > 0) {
    issues.push(
      modelIssue(
        'DEGENERATE_FACES',
        `${plural(measures.degenerateFaces, 'degenerate face')} (zero area: ${whichTriangles(measures.degenerateSample, measures.degenerateFaces)})`,
        measures.degenerateFaces,
        faceSamples(measures.degenerateSample),
      ),
    );
  }
  return issues;
}

function edgeIssues(topology: EdgeTopology, mesh: IndexedMesh): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const { openEdges, nonManifoldEdges, inconsistentEdges, samples } = topology;
  if (openEdges > 0) {
    const message = `${plural(openEdges, 'open edge')}: the surface has holes (not watertight)`;
    issues.push(modelIssue('OPEN_EDGES', message, openEdges, edgeSamples(samples.open, mesh)));
  }
  if (nonManifoldEdges > 0) {
    const message = `${plural(nonManifoldEdges, 'edge is', 'edges are')} shared by more than 2 faces (non-manifold)`;
    issues.push(modelIssue('NON_MANIFOLD_EDGES', message, nonManifoldEdges, edgeSamples(samples.nonManifold, mesh)));
  }
  if (inconsistentEdges > 0) {
    const message = `${plural(inconsistentEdges, 'edge is', 'edges are')} traversed in the same direction by both faces (flipped faces)`;
    issues.push(modelIssue('INCONSISTENT_ORIENTATION', message, inconsistentEdges, edgeSamples(samples.inconsistent, mesh)));
  }
  return issues;
}

function solidIssues({ measures, mesh, topology, boundingBox }: GeometryFacts, limits: ModelLimits): ModelIssue[] {
  const issues: ModelIssue[] = [];
  if (topology.shellCount > limits.maxShells) {
    const message = `${plural(topology.shellCount, 'separate shell')}, at most ${limits.maxShells} allowed`;
    issues.push(modelIssue('MULTIPLE_SHELLS', message, topology.shellCount));
  }
  // The sign of a volume means something only for a closed surface: with holes it
  // depends on the reference point, and OPEN_EDGES already says what is wrong.
  if (topology.openEdges === 0) {
    // Shells are judged one by one only in a model that may have several: with too many
    // MULTIPLE_SHELLS already refuses it, and the enclosure check is quadratic in shells.
    const judgeShells = topology.faceShells !== null && topology.shellCount <= Math.min(limits.maxShells, MAX_SHELLS_JUDGED);
    const shells = judgeShells ? measureShells(mesh, topology.faceShells, topology.shellCount) : null;
    issues.push(...(shells ? shellVolumeIssues(shells, measures) : volumeIssues(measures)));
  }
  if (boundingBox !== null) issues.push(...sizeIssues(boundingBox.size, limits));
  return issues;
}

function volumeIssues(measures: TriangleMeasures): ModelIssue[] {
  if (enclosesNoVolume(measures)) {
    const message = `the model encloses no volume (signed volume ${mm(measures.volumeMm3)} mm³ for ${mm(measures.surfaceAreaMm2)} mm² of surface): it is a surface without thickness`;
    return [modelIssue('ZERO_VOLUME', message)];
  }
  if (measures.volumeMm3 < 0) {
    return [modelIssue('NEGATIVE_VOLUME', `signed volume is ${mm(measures.volumeMm3)} mm³: the faces point inwards (inverted normals)`)];
  }
  return [];
}

/**
 * With several shells the total hides a shell that is inside out or flat
 * (a pair of earrings, one exported inverted, would price as nothing), so
 * each shell is judged on its own. A negative shell inside a positive one's
 * bounding box is a cavity (a hollow bead), which is legitimate.
 */
function shellVolumeIssues(shells: readonly ShellMeasures[], measures: TriangleMeasures): ModelIssue[] {
  const numbered = shells.map((shell, index) => ({ ...shell, number: index + 1 }));
  const flat = numbered.filter((shell) => Math.abs(shell.volumeMm3) <= ZERO_VOLUME_MM3_PER_MM2 * shell.surfaceAreaMm2);
  const insideOut = numbered.filter(
    (shell) => shell.volumeMm3 < 0 && !flat.includes(shell) && !numbered.some((other) => other.volumeMm3 > 0 && encloses(other.boundingBox, shell.boundingBox)),
  );
  const issues: ModelIssue[] = [];
  const of = `of ${shells.length}`;
  if (flat.length === 1) {
    const [shell] = flat;
    const message = `shell ${shell!.number} ${of} encloses no volume (signed volume ${mm(shell!.volumeMm3)} mm³ for ${mm(shell!.surfaceAreaMm2)} mm² of surface): it is a surface without thickness`;
    issues.push(modelIssue('ZERO_VOLUME', message, 1, shellSamples(flat)));
  } else if (flat.length > 1) {
    const message = `${flat.length} ${of} shells enclose no volume (shells ${listed(flat, (shell) => String(shell.number))}): they are surfaces without thickness`;
    issues.push(modelIssue('ZERO_VOLUME', message, flat.length, shellSamples(flat)));
  }
  if (insideOut.length === 1) {
    const [shell] = insideOut;
    const message = `shell ${shell!.number} ${of} is inside out: signed volume ${mm(shell!.volumeMm3)} mm³, its faces point inwards (inverted normals)`;
    issues.push(modelIssue('NEGATIVE_VOLUME', message, 1, shellSamples(insideOut)));
  } else if (insideOut.length > 1) {
    const volumes = listed(insideOut, (shell) => `shell ${shell.number}: ${mm(shell.volumeMm3)} mm³`);
    const message = `${insideOut.length} ${of} shells are inside out (${volumes}): their faces point inwards (inverted normals)`;
    issues.push(modelIssue('NEGATIVE_VOLUME', message, insideOut.length, shellSamples(insideOut)));
  }
  return issues.length > 0 ? issues : volumeIssues(measures);
}

/** The first few items for a message, "..." for the rest. */
function listed<T>(items: readonly T[], describe: (item: T) => string): string {
  const shown = items.slice(0, MAX_ISSUE_SAMPLES).map(describe).join(', ');
  return items.length > MAX_ISSUE_SAMPLES ? `${shown}, ...` : shown;
}

/** Beyond this many shells (a configured maxShells that high) only the total volume is judged. */
const MAX_SHELLS_JUDGED = 1000;

function encloses(outer: BoundingBox, inner: BoundingBox): boolean {
  return [0, 1, 2].every((k) => outer.min[k]! <= inner.min[k]! && outer.max[k]! >= inner.max[k]!);
}

function shellSamples(shells: ReadonlyArray<{ readonly firstTriangle: number }>): IssueSample[] {
  return shells.slice(0, MAX_ISSUE_SAMPLES).map((shell) => ({ kind: 'face', face: shell.firstTriangle }));
}

/**
 * A flat closed surface (a tetrahedron squashed into a plane, one triangle
 * written once per side) or faces that are all collapsed pass every edge
 * check yet hold no metal: the signed volume cancels to (nearly) nothing.
 * "Nearly": opposite faces cancel exactly but the sum's rounding may not, so
 * volume below 1e-6 mm³ per mm² of surface counts as none; a real piece has
 * a mean half-thickness of tenths of a millimetre. A model with no finite
 * face at all is already reported as such.
 */
function enclosesNoVolume(measures: TriangleMeasures): boolean {
  if (measures.nonFiniteFaces === measures.triangleCount) return false;
  return Math.abs(measures.volumeMm3) <= ZERO_VOLUME_MM3_PER_MM2 * measures.surfaceAreaMm2;
}

const ZERO_VOLUME_MM3_PER_MM2 = 1e-6;

function sizeIssues(size: Vec3, limits: ModelLimits): ModelIssue[] {
  const largest = Math.max(size[0], size[1], size[2]);
  const dimensions = `${mm(size[0])} × ${mm(size[1])} × ${mm(size[2])} mm`;
  if (largest > limits.maxDimensionMm) {
    return [modelIssue('TOO_LARGE', `bounding box ${dimensions} exceeds the ${mm(limits.maxDimensionMm)} mm maximum`)];
  }
  if (largest < limits.minDimensionMm) {
    return [modelIssue('TOO_SMALL', `bounding box ${dimensions}: largest dimension is below the ${mm(limits.minDimensionMm)} mm minimum`)];
  }
  return [];
}

/** "triangle 4", "triangles 4, 9, ...": 1-based positions in the file, as a viewer or editor counts them. */
function whichTriangles(sample: readonly number[], total: number): string {
  const numbers = sample.map((face) => face + 1).join(', ');
  return `${sample.length === 1 ? 'triangle' : 'triangles'} ${numbers}${total > sample.length ? ', ...' : ''}`;
}

function faceSamples(faces: readonly number[]): IssueSample[] {
  return faces.map((face) => ({ kind: 'face', face }));
}

function edgeSamples(pairs: readonly number[], mesh: IndexedMesh): IssueSample[] {
  const samples: IssueSample[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    samples.push({ kind: 'edge', from: vertexAt(mesh, pairs[i]!), to: vertexAt(mesh, pairs[i + 1]!) });
  }
  return samples;
}

function vertexAt(mesh: IndexedMesh, vertex: number): Vec3 {
  const v = mesh.vertices;
  return [v[3 * vertex]!, v[3 * vertex + 1]!, v[3 * vertex + 2]!];
}

/** Six significant digits: exact enough for a message, without float noise. */
function mm(value: number): string {
  return String(Number(value.toPrecision(6)));
}

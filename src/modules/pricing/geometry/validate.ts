import type { EdgeTopology } from './edges';
import type { BoundingBox, TriangleMeasures } from './measure';
import type { IndexedMesh } from './mesh';
import { modelIssue, plural, type IssueSample, type ModelIssue, type Vec3 } from './model-issue';

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
}

/** A jewellery piece: one solid between 1 mm and 200 mm, at most 2M triangles. */
export const DEFAULT_MODEL_LIMITS: ModelLimits = Object.freeze({
  maxTriangles: 2_000_000,
  minDimensionMm: 1,
  maxDimensionMm: 200,
  maxShells: 1,
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
        `${plural(measures.nonFiniteFaces, 'face has', 'faces have')} NaN or infinite coordinates`,
        measures.nonFiniteFaces,
        faceSamples(measures.nonFiniteSample),
      ),
    );
  }
  if (measures.degenerateFaces > 0) {
    issues.push(
      modelIssue(
        'DEGENERATE_FACES',
        `${plural(measures.degenerateFaces, 'degenerate face')} (zero area)`,
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

function solidIssues({ measures, topology, boundingBox }: GeometryFacts, limits: ModelLimits): ModelIssue[] {
  const issues: ModelIssue[] = [];
  if (topology.shellCount > limits.maxShells) {
    const message = `${plural(topology.shellCount, 'separate shell')}, at most ${limits.maxShells} allowed`;
    issues.push(modelIssue('MULTIPLE_SHELLS', message, topology.shellCount));
  }
  if (measures.volumeMm3 < 0) {
    const message = `signed volume is ${mm(measures.volumeMm3)} mm³: the faces point inwards (inverted normals)`;
    issues.push(modelIssue('NEGATIVE_VOLUME', message));
  }
  if (boundingBox !== null) issues.push(...sizeIssues(boundingBox.size, limits));
  return issues;
}

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

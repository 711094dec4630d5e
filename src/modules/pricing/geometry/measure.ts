import { analyzeEdges } from './edges';
import { MAX_ISSUE_SAMPLES, type Vec3 } from './model-issue';
import { weldVertices } from './mesh';

/**
 * Measures a triangle soup in one pass over its floats, in float64: volume
 * (sum of signed tetrahedra against a reference point), surface area, and
 * the faces that are degenerate (zero area) or carry a NaN/infinite
 * coordinate (which are left out of every sum). The bounding box is taken
 * from the welded vertices instead: the same points, a sixth of the reads.
 * Units are the file's, which for our uploads are millimetres.
 */
export interface BoundingBox {
  readonly min: Vec3;
  readonly max: Vec3;
  readonly size: Vec3;
}

export interface TriangleMeasures {
  readonly triangleCount: number;
  /** Signed: negative when the faces point inwards. Meaningful for a closed surface. */
  readonly volumeMm3: number;
  readonly surfaceAreaMm2: number;
  readonly degenerateFaces: number;
  readonly degenerateSample: readonly number[];
  readonly nonFiniteFaces: number;
  readonly nonFiniteSample: readonly number[];
}

export function measureTriangles(positions: Float32Array): TriangleMeasures {
  const triangleCount = Math.floor(positions.length / 9);
  const reference = firstFiniteCorner(positions, triangleCount);
  // Tetrahedra against a point on the model rather than the origin: a model
  // placed far from the origin would otherwise lose digits to cancellation.
  const [rx, ry, rz] = reference ?? [0, 0, 0];
  let sixVolume = 0;
  let twiceArea = 0;
  let degenerateFaces = 0;
  let nonFiniteFaces = 0;
  const degenerateSample: number[] = [];
  const nonFiniteSample: number[] = [];
  for (let t = 0; t < triangleCount; t++) {
    const i = 9 * t;
    const ax = positions[i]!, ay = positions[i + 1]!, az = positions[i + 2]!;
    const bx = positions[i + 3]!, by = positions[i + 4]!, bz = positions[i + 5]!;
    const cx = positions[i + 6]!, cy = positions[i + 7]!, cz = positions[i + 8]!;
    // x - x is 0 for finite x and NaN for NaN or +-Infinity: one test for nine values.
    if (ax - ax + ay - ay + az - az + bx - bx + by - by + bz - bz + cx - cx + cy - cy + cz - cz !== 0) {
      if (nonFiniteFaces++ < MAX_ISSUE_SAMPLES) nonFiniteSample.push(t);
      continue;
    }
    // Edge vectors straight from the float32 corners: their differences and
    // products are exact in float64 for mesh-like coordinates, so a collinear
    // or collapsed face gives a normal of exactly 0.
    const ux = bx - ax, uy = by - ay, uz = bz - az;
    const vx = cx - ax, vy = cy - ay, vz = cz - az;
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const normalLengthSquared = nx * nx + ny * ny + nz * nz;
    if (normalLengthSquared === 0) {
      if (degenerateFaces++ < MAX_ISSUE_SAMPLES) degenerateSample.push(t);
    }
    twiceArea += Math.sqrt(normalLengthSquared);
    // det(a, b, c) = a . ((b - a) x (c - a)), with a taken from the reference point.
    sixVolume += (ax - rx) * nx + (ay - ry) * ny + (az - rz) * nz;
  }
  return {
    triangleCount,
    volumeMm3: sixVolume / 6,
    surfaceAreaMm2: twiceArea / 2,
    degenerateFaces,
    degenerateSample,
    nonFiniteFaces,
    nonFiniteSample,
  };
}

function firstFiniteCorner(positions: Float32Array, triangleCount: number): Vec3 | null {
  for (let t = 0; t < triangleCount; t++) {
    let finite = true;
    for (let k = 0; k < 9; k++) finite &&= Number.isFinite(positions[9 * t + k]!);
    if (finite) return [positions[9 * t]!, positions[9 * t + 1]!, positions[9 * t + 2]!];
  }
  return null;
}

/** The box around x, y, z triples (welded vertices); null when there are none. */
export function boundingBoxOf(vertices: Float32Array): BoundingBox | null {
  if (vertices.length < 3) return null;
  let minX = Infinity, minY = Infinity, minZ = Infinity;
  let maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (let i = 0; i + 2 < vertices.length; i += 3) {
    const x = vertices[i]!, y = vertices[i + 1]!, z = vertices[i + 2]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    if (z < minZ) minZ = z;
    if (z > maxZ) maxZ = z;
  }
  return { min: [minX, minY, minZ], max: [maxX, maxY, maxZ], size: [maxX - minX, maxY - minY, maxZ - minZ] };
}

/** Everything the catalogue and pricing show about a well-formed model. */
export interface MeshMeasures {
  readonly triangleCount: number;
  readonly vertexCount: number;
  readonly volumeMm3: number;
  readonly surfaceAreaMm2: number;
  readonly boundingBox: BoundingBox | null;
  readonly shellCount: number;
}

/** Measures a triangle soup completely: one-pass sums, then welding and edge topology for the shells. */
export function measureMesh(positions: Float32Array): MeshMeasures {
  const measures = measureTriangles(positions);
  const mesh = weldVertices(positions);
  const topology = analyzeEdges(mesh.indices, mesh.vertexCount);
  return {
    triangleCount: measures.triangleCount,
    vertexCount: mesh.vertexCount,
    volumeMm3: measures.volumeMm3,
    surfaceAreaMm2: measures.surfaceAreaMm2,
    boundingBox: boundingBoxOf(mesh.vertices),
    shellCount: topology.shellCount,
  };
}

import { analyzeEdges } from './edges';
import { MAX_ISSUE_SAMPLES, type Vec3 } from './model-issue';
import { weldVertices, type IndexedMesh } from './mesh';

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
    const ax = positions[i]!,
      ay = positions[i + 1]!,
      az = positions[i + 2]!;
    const bx = positions[i + 3]!,
      by = positions[i + 4]!,
      bz = positions[i + 5]!;
    const cx = positions[i + 6]!,
      cy = positions[i + 7]!,
      cz = positions[i + 8]!;
    // x - x is 0 for finite x and NaN for NaN or +-Infinity: one test for nine values.
    if (ax - ax + ay - ay + az - az + bx - bx + by - by + bz - bz + cx - cx + cy - cy + cz - cz !== 0) {
      if (nonFiniteFaces++ < MAX_ISSUE_SAMPLES) nonFiniteSample.push(t);
      continue;
    }
    // Edge vectors straight from the float32 corners: their differences and
    // products are exact in float64 for mesh-like coordinates, so a collinear
    // or collapsed face gives a normal of exactly 0.
    const ux = bx - ax,
      uy = by - ay,
      uz = bz - az;
    const vx = cx - ax,
      vy = cy - ay,
      vz = cz - az;
    const nx = uy * vz - uz * vy,
      ny = uz * vx - ux * vz,
      nz = ux * vy - uy * vx;
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
  let minX = Infinity,
    minY = Infinity,
    minZ = Infinity;
  let maxX = -Infinity,
    maxY = -Infinity,
    maxZ = -Infinity;
  for (let i = 0; i + 2 < vertices.length; i += 3) {
    const x = vertices[i]!,
      y = vertices[i + 1]!,
      z = vertices[i + 2]!;
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

/** One shell of a multi-shell model: its own signed volume, area and box. */
export interface ShellMeasures {
  readonly volumeMm3: number;
  readonly surfaceAreaMm2: number;
  readonly boundingBox: BoundingBox;
  /** The file triangle of the shell's first face, to point at it. */
  readonly firstTriangle: number;
}

/**
 * Measures each shell from the welded mesh (the soup may be gone by now),
 * with the shell's first vertex as the reference point. `faceShells` comes
 * from the edge analysis; only multi-shell models need this.
 */
export function measureShells(mesh: IndexedMesh, faceShells: Int32Array, shellCount: number): ShellMeasures[] {
  const v = mesh.vertices;
  const idx = mesh.indices;
  const sixVolume = new Float64Array(shellCount);
  const twiceArea = new Float64Array(shellCount);
  const reference = new Float64Array(3 * shellCount);
  const first = new Int32Array(shellCount).fill(-1);
  const min = new Float64Array(3 * shellCount).fill(Infinity);
  const max = new Float64Array(3 * shellCount).fill(-Infinity);
  for (let f = 0; f < faceShells.length; f++) {
    const s = faceShells[f]!;
    if (s < 0) continue;
    const a = 3 * idx[3 * f]!,
      b = 3 * idx[3 * f + 1]!,
      c = 3 * idx[3 * f + 2]!;
    if (first[s] === -1) {
      first[s] = f;
      reference.set(v.subarray(a, a + 3), 3 * s);
    }
    for (const corner of [a, b, c]) {
      for (let k = 0; k < 3; k++) {
        const value = v[corner + k]!;
        if (value < min[3 * s + k]!) min[3 * s + k] = value;
        if (value > max[3 * s + k]!) max[3 * s + k] = value;
      }
    }
    const ux = v[b]! - v[a]!,
      uy = v[b + 1]! - v[a + 1]!,
      uz = v[b + 2]! - v[a + 2]!;
    const vx = v[c]! - v[a]!,
      vy = v[c + 1]! - v[a + 1]!,
      vz = v[c + 2]! - v[a + 2]!;
    const nx = uy * vz - uz * vy,
      ny = uz * vx - ux * vz,
      nz = ux * vy - uy * vx;
    twiceArea[s]! += Math.sqrt(nx * nx + ny * ny + nz * nz);
    sixVolume[s]! += (v[a]! - reference[3 * s]!) * nx + (v[a + 1]! - reference[3 * s + 1]!) * ny + (v[a + 2]! - reference[3 * s + 2]!) * nz;
  }
  return Array.from({ length: shellCount }, (_, s) => {
    const lo: Vec3 = [min[3 * s]!, min[3 * s + 1]!, min[3 * s + 2]!];
    const hi: Vec3 = [max[3 * s]!, max[3 * s + 1]!, max[3 * s + 2]!];
    return {
      volumeMm3: sixVolume[s]! / 6,
      surfaceAreaMm2: twiceArea[s]! / 2,
      boundingBox: { min: lo, max: hi, size: [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]] },
      firstTriangle: mesh.faceSource ? mesh.faceSource[first[s]!]! : first[s]!,
    };
  });
}

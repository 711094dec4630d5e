/**
 * Turns a triangle soup (9 floats per triangle) into an indexed mesh by
 * welding corners whose coordinates are bit-for-bit identical (after -0 is
 * read as +0). Exact welding is what the STL format means: a watertight
 * exporter writes each shared vertex with the same floats every time, and a
 * tolerance would hide real gaps the caster would see.
 */
export interface IndexedMesh {
  /** x, y, z per vertex. */
  readonly vertices: Float32Array;
  /** 3 vertex indices per face, in the soup's winding. */
  readonly indices: Uint32Array;
  readonly vertexCount: number;
  readonly faceCount: number;
  /**
   * The soup triangle each face came from, or null when no triangle was
   * dropped (face i is triangle i). Triangles with a NaN or infinite
   * coordinate are dropped: they have no place in a topology.
   */
  readonly faceSource: Uint32Array | null;
}

const EMPTY_SLOT = 0;
const FLOAT_EXPONENT_MASK = 0x7f800000;
/** The bits of -0.0f read as a signed 32-bit integer. */
const NEGATIVE_ZERO = -0x80000000;

/**
 * Open-addressing hash table (linear probing) keyed by the three coordinate
 * bit patterns. Slots are interleaved [hash, vertex + 1] pairs in one
 * Int32Array, so a probe compares the full hash before it reads a
 * candidate's coordinates from `vertexBits`. No strings, no Map, no object
 * per vertex. Bits travel as signed int32 throughout: V8 keeps those
 * untagged in registers, where uint32 values above 2^31 would become doubles.
 */
class VertexTable {
  private slots: Int32Array;
  private mask: number;
  /** Coordinate bits of the vertices in index order, 3 per vertex: the output. */
  vertexBits: Int32Array;
  count = 0;

  constructor(expectedVertices: number) {
    // Load factor at most one half keeps probe runs short.
    const capacity = nextPowerOfTwo(Math.max(64, expectedVertices * 2));
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    this.vertexBits = new Int32Array(Math.max(48, expectedVertices * 3));
  }

  /** The index of the vertex with these coordinate bits, adding it when new. */
  indexOf(x: number, y: number, z: number): number {
    const hash = hashBits(x, y, z);
    const slots = this.slots;
    const keys = this.vertexBits;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const stored = slots[2 * slot + 1]!;
      if (stored === EMPTY_SLOT) return this.insert(slot, hash, x, y, z);
      if (slots[2 * slot] === hash) {
        const k = 3 * (stored - 1);
        if (keys[k] === x && keys[k + 1] === y && keys[k + 2] === z) return stored - 1;
      }
      slot = (slot + 1) & mask;
    }
  }

  private insert(slot: number, hash: number, x: number, y: number, z: number): number {
    const vertex = this.count++;
    if (3 * this.count > this.vertexBits.length) this.vertexBits = growInt32(this.vertexBits);
    const k = 3 * vertex;
    this.vertexBits[k] = x;
    this.vertexBits[k + 1] = y;
    this.vertexBits[k + 2] = z;
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = vertex + 1;
    if (2 * this.count > this.mask + 1) this.rehash();
    return vertex;
  }

  private rehash(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    for (let s = 0; s < old.length; s += 2) {
      if (old[s + 1] === EMPTY_SLOT) continue;
      let slot = old[s]! & this.mask;
      while (this.slots[2 * slot + 1] !== EMPTY_SLOT) slot = (slot + 1) & this.mask;
      this.slots[2 * slot] = old[s]!;
      this.slots[2 * slot + 1] = old[s + 1]!;
    }
  }
}

/** Mixes three 32-bit patterns (murmur3-style finaliser): float bits are anything but uniform. */
function hashBits(x: number, y: number, z: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77) ^ Math.imul(z, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h | 0;
}

/**
 * Consecutive triangles in a file usually share vertices (exporters write
 * strips and fans), so each corner is first compared with the previous
 * triangle's three corners, held in local variables, and only then looked up
 * in the table: on such files two lookups in three never touch it, and a
 * file in random order loses only a few comparisons per corner.
 */
export function weldVertices(positions: Float32Array, toleranceMm = 0): IndexedMesh {
  const exact = weldExactly(positions);
  return toleranceMm > 0 ? mergeNearbyVertices(exact, toleranceMm) : exact;
}

function weldExactly(positions: Float32Array): IndexedMesh {
  const triangleCount = Math.floor(positions.length / 9);
  const bits = new Int32Array(positions.buffer, positions.byteOffset, triangleCount * 9);
  // A closed mesh has about half as many vertices as triangles (Euler).
  const table = new VertexTable((triangleCount >>> 1) + 16);
  const indices = new Uint32Array(triangleCount * 3);
  let faceSource: Uint32Array | null = null;
  let faces = 0;
  // The previous triangle's corners; index -1 until there is one.
  let x0 = 0,
    y0 = 0,
    z0 = 0,
    i0 = -1;
  let x1 = 0,
    y1 = 0,
    z1 = 0,
    i1 = -1;
  let x2 = 0,
    y2 = 0,
    z2 = 0,
    i2 = -1;
  for (let t = 0; t < triangleCount; t++) {
    const b = 9 * t;
    if (!allFinite(bits, b)) {
      faceSource ??= identityUpTo(t, triangleCount);
      continue;
    }
    const ax = positiveZero(bits[b]!),
      ay = positiveZero(bits[b + 1]!),
      az = positiveZero(bits[b + 2]!);
    const bx = positiveZero(bits[b + 3]!),
      by = positiveZero(bits[b + 4]!),
      bz = positiveZero(bits[b + 5]!);
    const cx = positiveZero(bits[b + 6]!),
      cy = positiveZero(bits[b + 7]!),
      cz = positiveZero(bits[b + 8]!);
    const ia =
      ax === x0 && ay === y0 && az === z0 && i0 >= 0
        ? i0
        : ax === x1 && ay === y1 && az === z1 && i1 >= 0
          ? i1
          : ax === x2 && ay === y2 && az === z2 && i2 >= 0
            ? i2
            : table.indexOf(ax, ay, az);
    const ib =
      bx === x0 && by === y0 && bz === z0 && i0 >= 0
        ? i0
        : bx === x1 && by === y1 && bz === z1 && i1 >= 0
          ? i1
          : bx === x2 && by === y2 && bz === z2 && i2 >= 0
            ? i2
            : table.indexOf(bx, by, bz);
    const ic =
      cx === x0 && cy === y0 && cz === z0 && i0 >= 0
        ? i0
        : cx === x1 && cy === y1 && cz === z1 && i1 >= 0
          ? i1
          : cx === x2 && cy === y2 && cz === z2 && i2 >= 0
            ? i2
            : table.indexOf(cx, cy, cz);
    const f = 3 * faces;
    indices[f] = ia;
    indices[f + 1] = ib;
    indices[f + 2] = ic;
    x0 = ax;
    y0 = ay;
    z0 = az;
    i0 = ia;
    x1 = bx;
    y1 = by;
    z1 = bz;
    i1 = ib;
    x2 = cx;
    y2 = cy;
    z2 = cz;
    i2 = ic;
    if (faceSource !== null) faceSource[faces] = t;
    faces++;
  }
  const vertexCount = table.count;
  return {
    vertices: new Float32Array(table.vertexBits.buffer, 0, vertexCount * 3),
    indices: faces === triangleCount ? indices : indices.subarray(0, 3 * faces),
    vertexCount,
    faceCount: faces,
    faceSource: faceSource === null ? null : faceSource.subarray(0, faces),
  };
}

/**
 * Opt-in (ModelLimits.weldToleranceMm) for exporters that write a shared
 * corner with slightly different floats: after exact welding, each vertex
 * joins the first earlier representative within `toleranceMm` (Euclidean),
 * found in the 27 grid cells around it, or becomes a representative itself.
 * Not transitive, so a chain of close points cannot drift further than the
 * tolerance. Faces whose corners merge become collapsed and drop out of the
 * edge analysis like any collapsed face.
 */
function mergeNearbyVertices(mesh: IndexedMesh, toleranceMm: number): IndexedMesh {
  const v = mesh.vertices;
  const cells = new Map<string, number[]>();
  const representatives: number[] = [];
  const merged = new Uint32Array(mesh.vertexCount);
  const squared = toleranceMm * toleranceMm;
  for (let i = 0; i < mesh.vertexCount; i++) {
    const x = v[3 * i]!,
      y = v[3 * i + 1]!,
      z = v[3 * i + 2]!;
    const cx = Math.floor(x / toleranceMm),
      cy = Math.floor(y / toleranceMm),
      cz = Math.floor(z / toleranceMm);
    let found = -1;
    for (let dx = -1; dx <= 1 && found < 0; dx++) {
      for (let dy = -1; dy <= 1 && found < 0; dy++) {
        for (let dz = -1; dz <= 1 && found < 0; dz++) {
          for (const candidate of cells.get(`${cx + dx},${cy + dy},${cz + dz}`) ?? []) {
            const r = 3 * representatives[candidate]!;
            const ex = v[r]! - x,
              ey = v[r + 1]! - y,
              ez = v[r + 2]! - z;
            if (ex * ex + ey * ey + ez * ez <= squared) {
              found = candidate;
              break;
            }
          }
        }
      }
    }
    if (found < 0) {
      found = representatives.length;
      representatives.push(i);
      const key = `${cx},${cy},${cz}`;
      const cell = cells.get(key);
      if (cell) cell.push(found);
      else cells.set(key, [found]);
    }
    merged[i] = found;
  }
  if (representatives.length === mesh.vertexCount) return mesh;
  const vertices = new Float32Array(3 * representatives.length);
  representatives.forEach((vertex, k) => vertices.set(v.subarray(3 * vertex, 3 * vertex + 3), 3 * k));
  const indices = mesh.indices.map((vertex) => merged[vertex]!);
  return { ...mesh, vertices, indices, vertexCount: representatives.length };
}

/** False when any of the 9 floats is NaN or infinite (all exponent bits set). */
function allFinite(bits: Int32Array, base: number): boolean {
  for (let k = 0; k < 9; k++) {
    if ((bits[base + k]! & FLOAT_EXPONENT_MASK) === FLOAT_EXPONENT_MASK) return false;
  }
  return true;
}

/** -0 and +0 are the same coordinate; every other value is itself. */
function positiveZero(bits: number): number {
  return bits === NEGATIVE_ZERO ? 0 : bits;
}

/** faceSource for the faces kept before the first dropped triangle (face i = triangle i). */
function identityUpTo(kept: number, capacity: number): Uint32Array {
  const source = new Uint32Array(capacity);
  for (let i = 0; i < kept; i++) source[i] = i;
  return source;
}

function growInt32(array: Int32Array): Int32Array {
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
}

function nextPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}

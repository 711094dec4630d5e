import { MAX_ISSUE_SAMPLES } from './model-issue';
import { Scratch } from './scratch';

/**
 * Edge topology of an indexed mesh: how many faces use each edge and in which
 * direction, and the shells (groups of faces connected through edges).
 *
 * Every directed edge a -> b of every face is put in the bucket of its
 * smaller vertex, min(a, b), with the other vertex and a direction bit: a
 * counting sort into CSR arrays (one pass to count, one to fill), nothing
 * allocated per edge, no 64-bit keys to sort. All the faces on edge {a, b}
 * then sit in one short bucket (about 6 entries on a typical mesh), so
 * classifying an edge never leaves the bucket's cache line.
 *
 * For each undirected edge with `up` faces going min -> max and `down` going
 * max -> min:
 *   1 face                      open edge (a hole: not watertight)
 *   2 faces, one each way       a proper manifold edge
 *   2 faces, same direction     inconsistent orientation (a flipped face)
 *   3 or more faces             non-manifold edge
 * Faces with a repeated vertex (collapsed to a line or point) have no edges
 * that mean anything and are left out; they are reported as degenerate.
 */
export interface EdgeTopology {
  /** Undirected edges used by exactly one face. */
  readonly openEdges: number;
  /** Undirected edges used by more than two faces. */
  readonly nonManifoldEdges: number;
  /** Undirected edges whose two faces traverse them in the same direction. */
  readonly inconsistentEdges: number;
  /** Connected components of faces sharing an edge (collapsed faces excluded). */
  readonly shellCount: number;
  /**
   * The shell of each face, numbered 0.. in order of each shell's first face,
   * -1 for collapsed faces; null when there is at most one shell (the common
   * case pays nothing for it).
   */
  readonly faceShells: Int32Array | null;
  /** A few edges of each kind as vertex index pairs [a0, b0, a1, b1, ...]. */
  readonly samples: { readonly open: readonly number[]; readonly nonManifold: readonly number[]; readonly inconsistent: readonly number[] };
}

/**
 * Faces are numbered below 2^31: a face number and a direction bit share one
 * 32-bit word. `scratch` may supply dead memory for the working arrays.
 */
export function analyzeEdges(indices: Uint32Array, vertexCount: number, scratch: Scratch = Scratch.none()): EdgeTopology {
  const faceCount = Math.floor(indices.length / 3);
  const buckets = bucketEdgesByMinVertex(indices, vertexCount, faceCount, scratch);
  const shells = new FaceUnion(scratch.int32(faceCount));
  const counts = classifyEdges(buckets, vertexCount, shells);
  const shellCount = shells.countRoots(indices);
  return { ...counts, shellCount, faceShells: shellCount > 1 ? shells.labelShells(indices) : null };
}

/**
 * Undirected edges in CSR form: the edges whose smaller vertex is v are
 * entries offsets[v] .. offsets[v + 1] - 1. `other` holds the larger vertex;
 * `faceAndDirection` holds face * 2 + (1 if the face goes max -> min).
 */
interface EdgeBuckets {
  readonly offsets: Uint32Array;
  readonly other: Uint32Array;
  readonly faceAndDirection: Uint32Array;
}

function bucketEdgesByMinVertex(indices: Uint32Array, vertexCount: number, faceCount: number, scratch: Scratch): EdgeBuckets {
  // One array serves three purposes in turn, sparing a second one: offsets[v + 1]
  // counts bucket v, the prefix sum makes offsets[v] bucket v's start, and the
  // fill advances each start to its bucket's end; a shift by one then gives offsets.
  const offsets = scratch.uint32(vertexCount + 1).fill(0);
  for (let f = 0; f < faceCount; f++) {
    const a = indices[3 * f]!;
    const b = indices[3 * f + 1]!;
    const c = indices[3 * f + 2]!;
    if (a === b || b === c || c === a) continue;
    offsets[(a < b ? a : b) + 1]!++;
    offsets[(b < c ? b : c) + 1]!++;
    offsets[(c < a ? c : a) + 1]!++;
  }
  for (let v = 0; v < vertexCount; v++) offsets[v + 1]! += offsets[v]!;
  const edgeCount = offsets[vertexCount]!;
  const other = scratch.uint32(edgeCount);
  const faceAndDirection = scratch.uint32(edgeCount);
  for (let f = 0; f < faceCount; f++) {
    const a = indices[3 * f]!;
    const b = indices[3 * f + 1]!;
    const c = indices[3 * f + 2]!;
    if (a === b || b === c || c === a) continue;
    const up = 2 * f;
    const down = up + 1;
    let slot = a < b ? offsets[a]!++ : offsets[b]!++;
    other[slot] = a < b ? b : a;
    faceAndDirection[slot] = a < b ? up : down;
    slot = b < c ? offsets[b]!++ : offsets[c]!++;
    other[slot] = b < c ? c : b;
    faceAndDirection[slot] = b < c ? up : down;
    slot = c < a ? offsets[c]!++ : offsets[a]!++;
    other[slot] = c < a ? a : c;
    faceAndDirection[slot] = c < a ? up : down;
  }
  offsets.copyWithin(1, 0, vertexCount);
  offsets[0] = 0;
  return { offsets, other, faceAndDirection };
}

type EdgeCounts = Omit<EdgeTopology, 'shellCount' | 'faceShells'>;

function classifyEdges(buckets: EdgeBuckets, vertexCount: number, shells: FaceUnion): EdgeCounts {
  const { offsets, other, faceAndDirection } = buckets;
  let openEdges = 0;
  let nonManifoldEdges = 0;
  let inconsistentEdges = 0;
  const open: number[] = [];
  const nonManifold: number[] = [];
  const inconsistent: number[] = [];
  for (let v = 0; v < vertexCount; v++) {
    const bucketStart = offsets[v]!;
    const bucketEnd = offsets[v + 1]!;
    for (let p = bucketStart; p < bucketEnd; p++) {
      const w = other[p]!;
      if (seenEarlier(other, bucketStart, p, w)) continue; // this edge was classified at its first entry
      const first = faceAndDirection[p]!;
      let down = first & 1;
      let total = 1;
      for (let q = p + 1; q < bucketEnd; q++) {
        if (other[q] !== w) continue;
        const entry = faceAndDirection[q]!;
        down += entry & 1;
        total++;
        shells.union(first >>> 1, entry >>> 1);
      }
      if (total === 2) {
        if (down !== 1) {
          inconsistentEdges++;
          sample(inconsistent, v, w);
        }
      } else if (total === 1) {
        openEdges++;
        sample(open, v, w);
      } else {
        nonManifoldEdges++;
        sample(nonManifold, v, w);
      }
    }
  }
  return { openEdges, nonManifoldEdges, inconsistentEdges, samples: { open, nonManifold, inconsistent } };
}

function seenEarlier(other: Uint32Array, from: number, before: number, target: number): boolean {
  for (let q = from; q < before; q++) if (other[q] === target) return true;
  return false;
}

function sample(into: number[], a: number, b: number): void {
  if (into.length < 2 * MAX_ISSUE_SAMPLES) into.push(a, b);
}

/**
 * Union-find over faces in one Int32Array: path halving, and the larger root
 * always hangs under the smaller, which keeps trees shallow enough without a
 * rank array.
 */
class FaceUnion {
  /** `parent` is any Int32Array of one entry per face; it is initialised here. */
  constructor(private readonly parent: Int32Array) {
    for (let f = 0; f < parent.length; f++) parent[f] = f;
  }

  find(f: number): number {
    const parent = this.parent;
    while (parent[f] !== f) {
      const grandparent = parent[parent[f]!]!;
      parent[f] = grandparent;
      f = grandparent;
    }
    return f;
  }

  union(f: number, g: number): void {
    const a = this.find(f);
    const b = this.find(g);
    if (a < b) this.parent[b] = a;
    else if (b < a) this.parent[a] = b;
  }

  /**
   * Shell numbers per face (see EdgeTopology.faceShells). A root is the
   * smallest face of its set (unions hang the larger root under the smaller),
   * so it is labelled before any face that refers to it.
   */
  labelShells(indices: Uint32Array): Int32Array {
    const labels = new Int32Array(this.parent.length).fill(-1);
    let next = 0;
    for (let f = 0; f < labels.length; f++) {
      const a = indices[3 * f]!;
      const b = indices[3 * f + 1]!;
      const c = indices[3 * f + 2]!;
      if (a === b || b === c || c === a) continue;
      const root = this.find(f);
      labels[f] = root === f ? next++ : labels[root]!;
    }
    return labels;
  }

  /** Roots among the faces that have edges (collapsed faces are no shell of their own). */
  countRoots(indices: Uint32Array): number {
    let roots = 0;
    for (let f = 0; f < this.parent.length; f++) {
      const a = indices[3 * f]!;
      const b = indices[3 * f + 1]!;
      const c = indices[3 * f + 2]!;
      if (a !== b && b !== c && c !== a && this.parent[f] === f) roots++;
    }
    return roots;
  }
}

import { analyzeTriangleSoup } from './analyze';
import { analyzeEdges } from './edges';
import { cube, earringStud, merge, pendant, ring, tetrahedron, torus, translate } from './generators';
import { weldVertices } from './mesh';

/*
 * Welding is exact: corners weld when their float32 coordinates are the same
 * number (-0 and +0 included), never by distance. A tolerance would close
 * gaps the caster sees, so a gap of one ulp stays a gap and shows as open
 * edges; the tests pin that down.
 */

/** V - E + F of a closed welded mesh, where every edge has exactly two faces (E = 3F/2). */
function eulerCharacteristic(soup: Float32Array): number {
  const mesh = weldVertices(soup);
  const topology = analyzeEdges(mesh.indices, mesh.vertexCount);
  expect(topology).toMatchObject({ openEdges: 0, nonManifoldEdges: 0, inconsistentEdges: 0 });
  return mesh.vertexCount - (3 * mesh.faceCount) / 2 + mesh.faceCount;
}

/** The soup's triangles in another order, each rotated (same winding, other first corner). */
function shuffled(soup: Float32Array, seed: number): Float32Array {
  const count = soup.length / 9;
  const order = Array.from({ length: count }, (_, i) => i);
  let state = seed;
  for (let i = count - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Float32Array(soup.length);
  order.forEach((t, k) => {
    const rotation = k % 3;
    for (let corner = 0; corner < 3; corner++) out.set(soup.subarray(9 * t + 3 * ((corner + rotation) % 3), 9 * t + 3 * ((corner + rotation) % 3) + 3), 9 * k + 3 * corner);
  });
  return out;
}

describe('weldVertices', () => {
  it('a soup with every corner written per triangle (as STL stores it) welds to the shared vertices', () => {
    const soup = cube(10);
    expect(soup.length).toBe(12 * 9); // 36 corners written
    const mesh = weldVertices(soup);
    expect(mesh).toMatchObject({ vertexCount: 8, faceCount: 12, faceSource: null });
    // Every index in range, every face with 3 distinct vertices, and the vertices are the cube's corners.
    expect(Math.max(...mesh.indices)).toBe(7);
    const corners = new Set(Array.from({ length: 8 }, (_, v) => Array.from(mesh.vertices.subarray(3 * v, 3 * v + 3)).join(',')));
    expect(corners.size).toBe(8);
    for (const corner of corners) expect(corner.split(',').every((c) => c === '0' || c === '10')).toBe(true);
  });

  it.each([
    ['a cube', cube(10), 2],
    ['a tetrahedron', tetrahedron(6), 2],
    ['a stud earring (poles on the axis)', earringStud(), 2],
    ['a torus', torus({ majorRadiusMm: 10, minorRadiusMm: 2, majorSegments: 32, minorSegments: 12 }), 0],
    ['a ring', ring({ innerDiameterMm: 17.3, widthMm: 3, thicknessMm: 1.6 }), 0],
    ['a pendant with its hole', pendant(), 0],
  ])('%s: V - E + F = %i (2 for genus 0, 0 for genus 1)', (_name, soup, euler) => {
    expect(eulerCharacteristic(soup)).toBe(euler);
  });

  it('the order of the triangles and of their corners does not matter', () => {
    const soup = torus({ majorRadiusMm: 10, minorRadiusMm: 2, majorSegments: 32, minorSegments: 12 });
    const mixed = shuffled(soup, 42);
    expect(weldVertices(mixed).vertexCount).toBe(weldVertices(soup).vertexCount);
    expect(eulerCharacteristic(mixed)).toBe(0);
    const [a, b] = [analyzeTriangleSoup(soup), analyzeTriangleSoup(mixed)];
    expect(b.volumeMm3).toBeCloseTo(a.volumeMm3, 9);
    expect(b).toMatchObject({ vertexCount: a.vertexCount, shellCount: 1, issues: [] });
  });

  it('-0 and +0 are the same coordinate', () => {
    const soup = cube(10);
    const signed = soup.map((value, i) => (value === 0 && i % 2 === 0 ? -0 : value));
    expect(Array.from(signed).some((value) => Object.is(value, -0))).toBe(true);
    expect(weldVertices(signed).vertexCount).toBe(8);
    expect(analyzeTriangleSoup(signed)).toMatchObject({ volumeMm3: 1000, issues: [], ok: true });
  });

  it('corners one float32 step apart do not weld: the gap is reported as open edges, not hidden', () => {
    const soup = cube(10);
    // Move one corner of triangle 0, (10,10,0), by one ulp in x: 10 -> 10.000000953674316.
    const nudged = soup.slice();
    const next = new Float32Array([10]);
    new Int32Array(next.buffer)[0]! += 1;
    expect(next[0]).toBeGreaterThan(10);
    expect(next[0]! - 10).toBeLessThan(1e-6);
    nudged[6] = next[0]!;
    expect(weldVertices(nudged).vertexCount).toBe(9);
    const analysis = analyzeTriangleSoup(nudged);
    expect(analysis.issues.map((issue) => [issue.code, issue.count])).toEqual([['OPEN_EDGES', 4]]);
  });

  it('two cubes sharing a face position weld their shared corners', () => {
    const mesh = weldVertices(merge(cube(10), cube(10, [10, 0, 0])));
    expect(mesh.vertexCount).toBe(12); // 8 + 8 - 4 shared on x = 10
  });

  it('translated copies are separate vertices', () => {
    expect(weldVertices(merge(cube(10), translate(cube(10), [20, 0, 0]))).vertexCount).toBe(16);
  });

  it('a triangle with a NaN or infinite coordinate is dropped, and faceSource maps faces back to triangles', () => {
    const soup = cube(10);
    soup[9 * 2] = NaN;
    soup[9 * 7 + 4] = Infinity;
    const mesh = weldVertices(soup);
    expect(mesh.faceCount).toBe(10);
    expect(Array.from(mesh.faceSource!)).toEqual([0, 1, 3, 4, 5, 6, 8, 9, 10, 11]);
    expect(mesh.indices.length).toBe(30);
  });

  it('an empty soup is an empty mesh', () => {
    expect(weldVertices(new Float32Array(0))).toMatchObject({ vertexCount: 0, faceCount: 0, faceSource: null });
  });

  it('many vertices (the hash table grows) still weld exactly', () => {
    const soup = torus({ majorRadiusMm: 10, minorRadiusMm: 2, majorSegments: 400, minorSegments: 50 });
    const mixed = shuffled(soup, 7);
    expect(weldVertices(mixed).vertexCount).toBe(20_000);
    expect(eulerCharacteristic(mixed)).toBe(0);
  });
});

describe('weldVertices with a tolerance (opt-in: ModelLimits.weldToleranceMm)', () => {
  /** The cube with the copy of corner (10,10,0) in triangle 0 moved by `dx` in x. */
  const nudgedCube = (dx: number): Float32Array => {
    const soup = cube(10);
    expect(Array.from(soup.subarray(6, 9))).toEqual([10, 10, 0]);
    soup[6] = 10 + dx;
    return soup;
  };

  it('corners closer than the tolerance merge; farther ones do not', () => {
    expect(weldVertices(nudgedCube(0.0004), 0.001).vertexCount).toBe(8);
    expect(weldVertices(nudgedCube(0.0009), 0.001).vertexCount).toBe(8);
    expect(weldVertices(nudgedCube(0.002), 0.001).vertexCount).toBe(9);
    expect(weldVertices(nudgedCube(0.0004)).vertexCount).toBe(9); // no tolerance: exact
  });

  it('through the analysis: a near-miss corner is 4 open edges by default and a closed cube with a tolerance', () => {
    const soup = nudgedCube(0.0004);
    expect(analyzeTriangleSoup(soup).issues.map((issue) => [issue.code, issue.count])).toEqual([['OPEN_EDGES', 4]]);
    const tolerant = analyzeTriangleSoup(soup, { weldToleranceMm: 0.001 });
    expect(tolerant).toMatchObject({ vertexCount: 8, shellCount: 1, issues: [], ok: true });
    expect(tolerant.volumeMm3).toBeCloseTo(1000, 1);
  });

  it('merging is not transitive: points 0.8 apart in a row with tolerance 1 do not all collapse into one', () => {
    // Three triangles with corners at x = 0, 0.8 and 1.6 on the x axis; their other corners are far apart.
    const soup = new Float32Array([0, 0, 0, 0, 50, 0, 0, 0, 50, 0.8, 0, 0, 100, 50, 0, 100, 0, 50, 1.6, 0, 0, 200, 50, 0, 200, 0, 50]);
    expect(weldVertices(soup).vertexCount).toBe(9);
    // 0.8 joins 0; 1.6 is 0.8 from 0.8 but 1.6 from the representative 0, so it stays.
    const mesh = weldVertices(soup, 1);
    expect(mesh.vertexCount).toBe(8);
  });

  it('a tolerance of 0 or less is exact welding', () => {
    expect(weldVertices(nudgedCube(0.0004), 0).vertexCount).toBe(9);
    expect(weldVertices(nudgedCube(0.0004), -1).vertexCount).toBe(9);
  });
});

describe('analyzeEdges on an indexed mesh', () => {
  it('counts shells, open, non-manifold and inconsistent edges, and skips collapsed faces', () => {
    // Two triangles sharing edge 1-2 consistently, plus a collapsed face and a separate triangle.
    const indices = new Uint32Array([0, 1, 2, 2, 1, 3, 4, 4, 5, 6, 7, 8]);
    const topology = analyzeEdges(indices, 9);
    expect(topology).toMatchObject({ openEdges: 7, nonManifoldEdges: 0, inconsistentEdges: 0, shellCount: 2 });
  });

  it('a face repeated with the same winding: its edges are inconsistent, not manifold', () => {
    expect(analyzeEdges(new Uint32Array([0, 1, 2, 0, 1, 2]), 3)).toMatchObject({ openEdges: 0, inconsistentEdges: 3, nonManifoldEdges: 0, shellCount: 1 });
  });

  it('a face repeated with opposite windings closes up: a zero-volume "sheet" that only the volume reveals', () => {
    const analysis = analyzeTriangleSoup(new Float32Array([0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 0, 0, 5, 0, 5, 0, 0]));
    expect(analysis).toMatchObject({ volumeMm3: 0, surfaceAreaMm2: 25, shellCount: 1, ok: false });
    expect(analysis.issues.map((issue) => issue.code)).toEqual(['ZERO_VOLUME']);
  });
});

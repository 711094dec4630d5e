import { analyzeModel, analyzeTriangleSoup, type ModelAnalysis } from './analyze';
import {
  appendCollapsedTriangles,
  cube,
  duplicateTriangle,
  flipTriangle,
  invert,
  merge,
  removeTriangles,
  tetrahedron,
  torus,
  translate,
  truncateBytes,
  withCoordinate,
  withDeclaredTriangleCount,
} from './generators';
import { MODEL_ISSUE_CODES, type ModelIssueCode } from './model-issue';
import { analyzeModelStream } from './model-stream';
import { toAsciiStl, toBinaryStl, toObj } from './stl-writer';
import { DEFAULT_MODEL_LIMITS } from './validate';

/*
 * Broken files of every kind we can produce, each with the exact issues it
 * must yield: code, count and the message a customer reads. Every case also
 * goes through the streamed analyzer, which must agree to the last field.
 */

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const CUBE = cube(10);
const CUBE_STL = toBinaryStl(CUBE);
/** 24 × 12 segments: 576 triangles, 288 vertices, one closed shell of genus 1. */
const TORUS = torus({ majorRadiusMm: 10, minorRadiusMm: 2, majorSegments: 24, minorSegments: 12 });

type Expected = ReadonlyArray<readonly [ModelIssueCode, number, string]>;
const seenCodes = new Set<ModelIssueCode>();

function issuesOf(analysis: ModelAnalysis): Expected {
  return analysis.issues.map((issue) => [issue.code, issue.count, issue.message] as const);
}

async function expectIssues(bytes: Uint8Array, expected: Expected, limits = {}): Promise<ModelAnalysis> {
  const analysis = analyzeModel(bytes, limits);
  expect(issuesOf(analysis)).toEqual(expected);
  expect(analysis.ok).toBe(!analysis.issues.some((issue) => issue.severity === 'error'));
  for (const [code] of expected) seenCodes.add(code);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(7 * i, 7 * i + 7));
  expect(await analyzeModelStream(chunks, bytes.length, limits)).toEqual(analysis);
  return analysis;
}

function expectSoupIssues(soup: Float32Array, expected: Expected, limits = {}): ModelAnalysis {
  const analysis = analyzeTriangleSoup(soup, limits);
  expect(issuesOf(analysis)).toEqual(expected);
  for (const [code] of expected) seenCodes.add(code);
  return analysis;
}

/** A brute-force edge count (string keys, a Map) to check the CSR edge analysis against. */
function referenceEdgeCounts(soup: Float32Array): { open: number; nonManifold: number; inconsistent: number } {
  const key = (t: number, corner: number): string => Array.from(soup.subarray(9 * t + 3 * corner, 9 * t + 3 * corner + 3)).join(',');
  const edges = new Map<string, { up: number; down: number }>();
  for (let t = 0; 9 * t < soup.length; t++) {
    for (let k = 0; k < 3; k++) {
      const [a, b] = [key(t, k), key(t, (k + 1) % 3)];
      const undirected = a < b ? `${a}|${b}` : `${b}|${a}`;
      const entry = edges.get(undirected) ?? { up: 0, down: 0 };
      if (a < b) entry.up++;
      else entry.down++;
      edges.set(undirected, entry);
    }
  }
  let open = 0,
    nonManifold = 0,
    inconsistent = 0;
  for (const { up, down } of edges.values()) {
    if (up + down === 1) open++;
    else if (up + down > 2) nonManifold++;
    else if (up !== 1) inconsistent++;
  }
  return { open, nonManifold, inconsistent };
}

describe('binary STL whose header and length disagree', () => {
  it('cut short inside a triangle: TRUNCATED_FILE with the byte position, the count mismatch, and the hole it leaves', async () => {
    await expectIssues(truncateBytes(CUBE_STL, 20), [
      ['TRUNCATED_FILE', 1, 'file ends 30 bytes into triangle 12 (a binary STL triangle takes 50 bytes)'],
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 12 triangles (684 bytes), but the file has 664 bytes: 11 whole triangles'],
      ['OPEN_EDGES', 3, '3 open edges: the surface has holes (not watertight)'],
    ]);
  });

  it('cut short on a triangle boundary: only the count tells', async () => {
    await expectIssues(truncateBytes(CUBE_STL, 100), [
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 12 triangles (684 bytes), but the file has 584 bytes: 10 whole triangles'],
      ['OPEN_EDGES', 4, '4 open edges: the surface has holes (not watertight)'],
    ]);
  });

  it('stray bytes after the last triangle are a size mismatch, not truncation', async () => {
    await expectIssues(Buffer.concat([CUBE_STL, Buffer.alloc(7)]), [
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 12 triangles (684 bytes), but the file has 691 bytes: 12 whole triangles and 7 stray bytes'],
    ]);
  });

  it('a triangle more than the header says: every whole triangle is read, so the geometry shows what the extra one does', async () => {
    const analysis = await expectIssues(withDeclaredTriangleCount(toBinaryStl(duplicateTriangle(CUBE, 0)), 12), [
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 12 triangles (684 bytes), but the file has 734 bytes: 13 whole triangles'],
      ['NON_MANIFOLD_EDGES', 3, '3 edges are shared by more than 2 faces (non-manifold)'],
    ]);
    expect(analysis.triangleCount).toBe(13);
  });

  it('a header count that is wrong but the triangles complete: the mismatch alone, and the measures of what is there', async () => {
    const analysis = await expectIssues(withDeclaredTriangleCount(CUBE_STL, 13), [
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 13 triangles (734 bytes), but the file has 684 bytes: 12 whole triangles'],
    ]);
    expect(analysis).toMatchObject({ volumeMm3: 1000, ok: false });
    await expectIssues(withDeclaredTriangleCount(CUBE_STL, 0), [
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 0 triangles (84 bytes), but the file has 684 bytes: 12 whole triangles'],
    ]);
  });

  it('a header and nothing else', async () => {
    await expectIssues(CUBE_STL.subarray(0, 84), [
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 12 triangles (684 bytes), but the file has 84 bytes: 0 whole triangles'],
      ['EMPTY_MODEL', 1, 'model has no triangles'],
    ]);
  });

  it('cut inside the 84-byte header: not recognisable as anything', async () => {
    await expectIssues(CUBE_STL.subarray(0, 60), [
      ['UNRECOGNIZED_FORMAT', 1, 'not a binary STL, ASCII STL or OBJ model (the file has 60 bytes, fewer than the 84 of a binary STL header)'],
    ]);
  });

  it('a header whose text starts with "solid" is still read as binary: the size rule decides', async () => {
    const lying = Buffer.from(CUBE_STL);
    lying.write('solid cube exported by a careless tool', 0, 'latin1');
    const analysis = await expectIssues(lying, []);
    expect(analysis).toMatchObject({ format: 'stl-binary', volumeMm3: 1000, ok: true });
    // Even when its size is wrong, the floats give it away.
    await expectIssues(truncateBytes(lying, 20), [
      ['TRUNCATED_FILE', 1, 'file ends 30 bytes into triangle 12 (a binary STL triangle takes 50 bytes)'],
      ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 12 triangles (684 bytes), but the file has 664 bytes: 11 whole triangles'],
      ['OPEN_EDGES', 3, '3 open edges: the surface has holes (not watertight)'],
    ]);
  });
});

describe('empty and unrecognisable files', () => {
  it('0 bytes', async () => {
    await expectIssues(new Uint8Array(0), [['EMPTY_MODEL', 1, 'file is empty (0 bytes)']]);
  });

  it('a binary STL declaring 0 triangles, an ASCII STL with no facet, an OBJ with no face', async () => {
    const none = toBinaryStl(new Float32Array(0));
    expect(none.length).toBe(84);
    await expectIssues(none, [['EMPTY_MODEL', 1, 'model has no triangles']]);
    await expectIssues(ascii('solid nothing\nendsolid nothing\n'), [['EMPTY_MODEL', 1, 'model has no triangles']]);
    await expectIssues(ascii('# vertices only\nv 0 0 0\nv 1 0 0\nv 0 1 0\n'), [['EMPTY_MODEL', 1, 'model has no triangles']]);
  });

  it('random bytes: the message says how they fail to be a binary STL', async () => {
    const noise = new Uint8Array(3000);
    let state = 7;
    for (let i = 0; i < noise.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      noise[i] = state & 0xff;
    }
    const analysis = await expectIssues(noise, [issuesOf(analyzeModel(noise))[0]!]);
    expect(analysis.issues[0]!.message).toMatch(
      /^not a binary STL, ASCII STL or OBJ model \(read as binary STL the header says \d+ triangles, i\.e\. \d+ bytes, but the file has 3000\)$/,
    );
    expect(analysis.format).toBeNull();
  });

  it('a file of whitespace only', async () => {
    await expectIssues(ascii('  \n\r\n\t \n'), [['UNRECOGNIZED_FORMAT', 1, 'not a binary STL, ASCII STL or OBJ model (the file holds only whitespace)']]);
  });

  it('"solid" and nothing more', async () => {
    await expectIssues(ascii('solid'), [
      ['TRUNCATED_FILE', 1, 'file ends at line 1 without "endsolid"'],
      ['EMPTY_MODEL', 1, 'model has no triangles'],
    ]);
  });

  it('plain text that is neither STL nor OBJ', async () => {
    await expectIssues(ascii('Dear shop, please find my ring attached.\n'.repeat(4)), [
      [
        'UNRECOGNIZED_FORMAT',
        1,
        'not a binary STL, ASCII STL or OBJ model (a text file that neither starts with "solid" nor holds only OBJ lines; it starts with "Dear shop, please find my ring...")',
      ],
    ]);
    await expectIssues(ascii('solidworks part 1\n'.repeat(10)), [
      [
        'UNRECOGNIZED_FORMAT',
        1,
        'not a binary STL, ASCII STL or OBJ model (a text file that neither starts with "solid" nor holds only OBJ lines; it starts with "solidworks part 1")',
      ],
    ]);
  });
});

describe('ASCII STL with garbage', () => {
  const text = toAsciiStl(CUBE);

  it('an unknown keyword where a facet should start: the line and what was found', async () => {
    const analysis = await expectIssues(ascii('solid x\nhello world\n'), [['SYNTAX_ERROR', 1, 'line 2: expected "facet" or "endsolid", found "hello"']]);
    expect(analysis.issues[0]!.samples).toEqual([{ kind: 'line', line: 2 }]);
  });

  it('a word where a coordinate should be', async () => {
    await expectIssues(ascii(text.replace('vertex 10 0 0', 'vertex 10 0 zero')), [['SYNTAX_ERROR', 1, 'line 13: expected a number, found "zero"']]);
  });

  it('a misspelt keyword', async () => {
    await expectIssues(ascii(text.replace('endloop', 'endlop')), [['SYNTAX_ERROR', 1, 'line 7: expected "endloop", found "endlop"']]);
  });

  it('hexadecimal and empty numbers are no numbers', async () => {
    await expectIssues(ascii(text.replace('vertex 10 0 0', 'vertex 0x0A 0 0')), [['SYNTAX_ERROR', 1, 'line 13: expected a number, found "0x0A"']]);
  });

  it('binary junk after a valid start', async () => {
    const junk = Buffer.concat([ascii(text.slice(0, 200)), Buffer.from([0x00, 0xff, 0x10, 0x80]), ascii(text.slice(200))]);
    const analysis = analyzeModel(junk);
    expect(analysis.ok).toBe(false);
    expect(analysis.issues.map((issue) => issue.code)).toEqual(expect.arrayContaining([expect.stringMatching(/SYNTAX_ERROR|UNRECOGNIZED_FORMAT/)]));
  });

  it('cut short inside a facet: TRUNCATED_FILE at that line; the facets before it are kept and show the hole', async () => {
    await expectIssues(ascii(text.slice(0, 300)), [
      ['TRUNCATED_FILE', 1, 'file ends at line 18 inside facet 3 (expected "vertex")'],
      ['OPEN_EDGES', 4, '4 open edges: the surface has holes (not watertight)'],
    ]);
  });

  it('no "endsolid"', async () => {
    await expectIssues(ascii(text.replace(/endsolid.*\n/, '')), [['TRUNCATED_FILE', 1, 'file ends at line 86 without "endsolid"']]);
  });
});

describe('OBJ errors', () => {
  it('a face referring to a vertex not yet defined', async () => {
    await expectIssues(ascii('v 0 0 0\nv 1 0 0\nf 1 2 3\n'), [['SYNTAX_ERROR', 1, 'line 3: face refers to vertex 3, but only 2 are defined so far']]);
  });

  it('a face with 2 vertices, a vertex with a word for a coordinate, a zero index', async () => {
    await expectIssues(ascii('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\n'), [['SYNTAX_ERROR', 1, 'line 4: a face needs at least 3 vertices, found 2']]);
    await expectIssues(ascii('v 0 0 0\nv 1 0 x\nf 1 2 3\n'), [['SYNTAX_ERROR', 1, 'line 2: expected 3 vertex coordinates, found "x"']]);
    await expectIssues(ascii('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n'), [['SYNTAX_ERROR', 1, 'line 4: expected a vertex reference, found "0"']]);
  });
});

describe('non-finite coordinates', () => {
  it.each([
    ['NaN', NaN],
    ['+Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('%s in a binary STL: the face is counted, located, and left out of the topology (its 3 edges open)', async (_name, value) => {
    const analysis = await expectIssues(toBinaryStl(withCoordinate(CUBE, 3, value, 1, 2)), [
      ['NON_FINITE_COORDINATES', 1, '1 face has NaN or infinite coordinates (triangle 4)'],
      ['OPEN_EDGES', 3, '3 open edges: the surface has holes (not watertight)'],
    ]);
    expect(analysis.issues[0]!.samples).toEqual([{ kind: 'face', face: 3 }]);
    expect(Number.isFinite(analysis.volumeMm3)).toBe(true);
    expect(Number.isFinite(analysis.surfaceAreaMm2)).toBe(true);
    expect(analysis.boundingBox).toEqual({ min: [0, 0, 0], max: [10, 10, 10], size: [10, 10, 10] });
  });

  it('"nan" and "inf" spelt out in ASCII STL are the same issue, not a syntax error', async () => {
    const text = toAsciiStl(CUBE).replace('vertex 0 0 0', 'vertex nan 0 0').replace('vertex 10 10 10', 'vertex 10 -inf 10');
    const analysis = analyzeModel(ascii(text));
    expect(analysis.issues[0]).toMatchObject({ code: 'NON_FINITE_COORDINATES', message: '2 faces have NaN or infinite coordinates (triangles 1, 3)', count: 2 });
  });

  it('every face non-finite: no geometry, no bounding box, nothing thrown', async () => {
    const soup = new Float32Array(CUBE.length).fill(NaN);
    await expectIssues(toBinaryStl(soup), [['NON_FINITE_COORDINATES', 12, '12 faces have NaN or infinite coordinates (triangles 1, 2, 3, 4, 5, ...)']]);
    expect(analyzeModel(toBinaryStl(soup))).toMatchObject({ volumeMm3: 0, surfaceAreaMm2: 0, boundingBox: null, shellCount: 0, vertexCount: 0 });
  });
});

describe('degenerate faces', () => {
  it('collapsed triangles (a repeated vertex) are a warning: zero area, no edges, the model stays usable', async () => {
    const analysis = await expectIssues(toBinaryStl(appendCollapsedTriangles(CUBE, 2)), [['DEGENERATE_FACES', 2, '2 degenerate faces (zero area: triangles 13, 14)']]);
    expect(analysis.issues[0]).toMatchObject({
      severity: 'warning',
      samples: [
        { kind: 'face', face: 12 },
        { kind: 'face', face: 13 },
      ],
    });
    expect(analysis).toMatchObject({ ok: true, volumeMm3: 1000, surfaceAreaMm2: 600, shellCount: 1 });
  });

  it('a collinear sliver with 3 distinct vertices is degenerate too, and its edges still count', () => {
    // Laid along the tetrahedron's edge (0,0,0)-(6,0,0): a third face on that edge, 2 open half-edges.
    const soup = merge(tetrahedron(6), new Float32Array([0, 0, 0, 3, 0, 0, 6, 0, 0]));
    const analysis = expectSoupIssues(soup, [
      ['DEGENERATE_FACES', 1, '1 degenerate face (zero area: triangle 5)'],
      ['OPEN_EDGES', 2, '2 open edges: the surface has holes (not watertight)'],
      ['NON_MANIFOLD_EDGES', 1, '1 edge is shared by more than 2 faces (non-manifold)'],
    ]);
    expect(analysis.issues[0]!.samples).toEqual([{ kind: 'face', face: 4 }]);
    expect(analysis.volumeMm3).toBe(36);
  });

  it('very small but non-zero faces are not degenerate', () => {
    expect(analyzeTriangleSoup(cube(1.5, [0.001, 0.001, 0.001]))).toMatchObject({ issues: [], ok: true });
  });
});

describe('open edges: the exact count of the holes', () => {
  it('one triangle off a cube: 3 open edges, with their end points as samples', async () => {
    const analysis = await expectIssues(toBinaryStl(removeTriangles(CUBE, [0])), [['OPEN_EDGES', 3, '3 open edges: the surface has holes (not watertight)']]);
    const samples = analysis.issues[0]!.samples!;
    expect(samples).toHaveLength(3);
    // Triangle 0 is (0,0,0), (0,10,0), (10,10,0): its edges, in any order and direction.
    const corners = ['0,0,0', '0,10,0', '10,10,0'];
    for (const sample of samples) {
      expect(sample.kind).toBe('edge');
      if (sample.kind !== 'edge') continue;
      expect(corners).toContain(sample.from.join(','));
      expect(corners).toContain(sample.to.join(','));
    }
  });

  it('both triangles of a cube face: a square hole, 4 open edges', () => {
    expectSoupIssues(removeTriangles(CUBE, [0, 1]), [['OPEN_EDGES', 4, '4 open edges: the surface has holes (not watertight)']]);
  });

  it('73 pairwise non-adjacent triangles off a torus: exactly 219 open edges', async () => {
    // Triangle 2·(i·12 + j) is the first of quad (segment i, profile edge j); with i and j both
    // even no two of them share an edge.
    const removed: number[] = [];
    for (let i = 0; i < 24 && removed.length < 73; i += 2) for (let j = 0; j < 12 && removed.length < 73; j += 2) removed.push(2 * (i * 12 + j));
    expect(removed).toHaveLength(72);
    removed.push(2 * (1 * 12 + 1) + 1); // segment 1, edge 1, second triangle: its neighbours are all kept
    const soup = removeTriangles(TORUS, removed);
    expect(referenceEdgeCounts(soup)).toEqual({ open: 219, nonManifold: 0, inconsistent: 0 });
    const analysis = await expectIssues(toBinaryStl(soup), [['OPEN_EDGES', 219, '219 open edges: the surface has holes (not watertight)']]);
    expect(analysis.issues[0]!.samples).toHaveLength(5);
  });

  it('any k triangles removed: the count equals a brute-force count of edges used once', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const k of [1, 2, 5, 17, 60, 300]) {
      const removed = Array.from({ length: k }, () => random(576));
      const soup = removeTriangles(TORUS, removed);
      const reference = referenceEdgeCounts(soup);
      const analysis = analyzeTriangleSoup(soup, { maxShells: 1000 });
      const open = analysis.issues.find((issue) => issue.code === 'OPEN_EDGES')?.count ?? 0;
      expect(open).toBe(reference.open);
      expect(reference.open).toBeGreaterThan(0);
    }
  });
});

describe('non-manifold edges', () => {
  it('a fin: a third face on one cube edge makes 1 non-manifold edge and 2 open ones', async () => {
    // The cube's edge (10,10,0)-(10,10,10) already has two faces; the fin adds a third.
    const fin = new Float32Array([10, 10, 0, 10, 10, 10, 15, 15, 5]);
    const analysis = await expectIssues(toBinaryStl(merge(CUBE, fin)), [
      ['OPEN_EDGES', 2, '2 open edges: the surface has holes (not watertight)'],
      ['NON_MANIFOLD_EDGES', 1, '1 edge is shared by more than 2 faces (non-manifold)'],
    ]);
    expect(analysis.issues[1]!.samples).toEqual([{ kind: 'edge', from: [10, 10, 0], to: [10, 10, 10] }]);
  });

  it('a triangle written twice: its 3 edges each have 3 faces', () => {
    expectSoupIssues(duplicateTriangle(TORUS, 100), [['NON_MANIFOLD_EDGES', 3, '3 edges are shared by more than 2 faces (non-manifold)']]);
  });

  it('the brute-force count agrees', () => {
    expect(referenceEdgeCounts(duplicateTriangle(TORUS, 100))).toEqual({ open: 0, nonManifold: 3, inconsistent: 0 });
  });
});

describe('inconsistent orientation', () => {
  it('one flipped face of a cube: its 3 edges run the same way in both faces', async () => {
    const analysis = await expectIssues(toBinaryStl(flipTriangle(CUBE, 4)), [
      ['INCONSISTENT_ORIENTATION', 3, '3 edges are traversed in the same direction by both faces (flipped faces)'],
    ]);
    expect(analysis.issues[0]!.samples).toHaveLength(3);
  });

  it('two adjacent faces flipped together: only the 4 edges around them', () => {
    // Triangles 0 and 1 are the two halves of the cube's bottom: their shared diagonal stays consistent.
    expectSoupIssues(flipTriangle(flipTriangle(CUBE, 0), 1), [['INCONSISTENT_ORIENTATION', 4, '4 edges are traversed in the same direction by both faces (flipped faces)']]);
  });

  it('5 scattered flipped faces on a torus: 15 edges, as the brute-force count says', () => {
    let soup = TORUS;
    for (const t of [0, 100, 200, 300, 400]) soup = flipTriangle(soup, t);
    expect(referenceEdgeCounts(soup)).toEqual({ open: 0, nonManifold: 0, inconsistent: 15 });
    expectSoupIssues(soup, [['INCONSISTENT_ORIENTATION', 15, '15 edges are traversed in the same direction by both faces (flipped faces)']]);
  });
});

describe('more than one shell', () => {
  it('3 cubes: 3 shells against the default of 1, and the limit is configurable', async () => {
    const three = toBinaryStl(merge(cube(5), cube(5, [10, 0, 0]), cube(5, [20, 0, 0])));
    await expectIssues(three, [['MULTIPLE_SHELLS', 3, '3 separate shells, at most 1 allowed']]);
    await expectIssues(three, [['MULTIPLE_SHELLS', 3, '3 separate shells, at most 2 allowed']], { maxShells: 2 });
    await expectIssues(three, [], { maxShells: 3 });
  });

  it('each shell is judged on its own: an inside-out cube beside a sound one is found although the total is positive', async () => {
    const pair = merge(cube(10), invert(cube(4, [20, 0, 0])));
    const analysis = await expectIssues(
      toBinaryStl(pair),
      [['NEGATIVE_VOLUME', 1, 'shell 2 of 2 is inside out: signed volume -64 mm³, its faces point inwards (inverted normals)']],
      { maxShells: 2 },
    );
    expect(analysis.volumeMm3).toBe(936);
    expect(analysis.issues[0]!.samples).toEqual([{ kind: 'face', face: 12 }]);
  });

  it('a pair of earrings with one exported inside out: the total is about 0, the culprit is named', async () => {
    const [left, right] = [cube(5), translate(invert(cube(5)), [10, 0, 0])];
    await expectIssues(
      toBinaryStl(merge(left, right)),
      [['NEGATIVE_VOLUME', 1, 'shell 2 of 2 is inside out: signed volume -125 mm³, its faces point inwards (inverted normals)']],
      { maxShells: 2 },
    );
  });

  it('several inside-out shells, each with its volume', async () => {
    await expectIssues(
      toBinaryStl(merge(invert(cube(10)), invert(cube(2, [20, 0, 0])), cube(3, [30, 0, 0]))),
      [['NEGATIVE_VOLUME', 2, '2 of 3 shells are inside out (shell 1: -1000 mm³, shell 2: -8 mm³): their faces point inwards (inverted normals)']],
      { maxShells: 3 },
    );
  });

  it('a cavity (an inverted shell inside a sound one) is a hollow piece, not an error', async () => {
    const hollow = await expectIssues(toBinaryStl(merge(cube(10), invert(cube(4, [3, 3, 3])))), [], { maxShells: 2 });
    expect(hollow.volumeMm3).toBe(936);
  });

  it('thousands of inside-out shells: judged by their total, so the check stays linear', () => {
    const pieces = Array.from({ length: 2000 }, (_, i) => translate(invert(tetrahedron(1)), [2 * (i % 50), 2 * Math.floor(i / 50), 0]));
    const analysis = expectSoupIssues(merge(...pieces), [['NEGATIVE_VOLUME', 1, 'signed volume is -333.333 mm³: the faces point inwards (inverted normals)']], { maxShells: 5000 });
    expect(analysis.shellCount).toBe(2000);
  });

  it('a flat shell beside a sound one', async () => {
    const flat = new Float32Array([0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 0, 0, 10, 0, 0, 3, 3, 0, 0, 0, 0, 3, 3, 0, 0, 10, 0, 10, 0, 0, 0, 10, 0, 3, 3, 0]);
    await expectIssues(
      toBinaryStl(merge(cube(10, [0, 0, 5]), flat)),
      [['ZERO_VOLUME', 1, 'shell 2 of 2 encloses no volume (signed volume 0 mm³ for 100 mm² of surface): it is a surface without thickness']],
      { maxShells: 2 },
    );
  });
});

describe('size outside the jewellery limits (configurable)', () => {
  it('the defaults: 1 mm to 200 mm, 2,000,000 triangles, 1 shell', () => {
    expect(DEFAULT_MODEL_LIMITS).toEqual({ maxTriangles: 2_000_000, minDimensionMm: 1, maxDimensionMm: 200, maxShells: 1, weldToleranceMm: 0 });
  });

  it('too large: the box in the message, against the default and a configured maximum', async () => {
    await expectIssues(toBinaryStl(merge(cube(10), cube(10, [240, 0, 0]))), [
      ['MULTIPLE_SHELLS', 2, '2 separate shells, at most 1 allowed'],
      ['TOO_LARGE', 1, 'bounding box 250 × 10 × 10 mm exceeds the 200 mm maximum'],
    ]);
    await expectIssues(toBinaryStl(cube(60)), [['TOO_LARGE', 1, 'bounding box 60 × 60 × 60 mm exceeds the 50 mm maximum']], { maxDimensionMm: 50 });
    await expectIssues(toBinaryStl(cube(200)), []);
  });

  it('too small: a 0.5 mm cube, and a 4 mm one against a 5 mm minimum', async () => {
    await expectIssues(toBinaryStl(cube(0.5)), [['TOO_SMALL', 1, 'bounding box 0.5 × 0.5 × 0.5 mm: largest dimension is below the 1 mm minimum']]);
    await expectIssues(toBinaryStl(cube(4)), [['TOO_SMALL', 1, 'bounding box 4 × 4 × 4 mm: largest dimension is below the 5 mm minimum']], { minDimensionMm: 5 });
  });

  it('too many triangles, binary STL: refused from the header and length, before any geometry', async () => {
    const analysis = await expectIssues(CUBE_STL, [['TOO_MANY_TRIANGLES', 12, 'model has 12 triangles, the limit is 10']], { maxTriangles: 10 });
    expect(analysis).toMatchObject({ triangleCount: 12, vertexCount: 0, volumeMm3: 0, boundingBox: null, ok: false });
    await expectIssues(CUBE_STL, [], { maxTriangles: 12 });
  });

  it('too many triangles with a lying header: both reported, streamed or not', async () => {
    await expectIssues(
      withDeclaredTriangleCount(CUBE_STL, 5),
      [
        ['TRIANGLE_COUNT_MISMATCH', 1, 'header says 5 triangles (334 bytes), but the file has 684 bytes: 12 whole triangles'],
        ['TOO_MANY_TRIANGLES', 12, 'model has 12 triangles, the limit is 10'],
      ],
      { maxTriangles: 10 },
    );
  });

  it('too many triangles, text formats: reading stops at the first triangle over the limit', async () => {
    const message = 'model has more than 10 triangles, the limit (reading stopped at triangle 11)';
    await expectIssues(ascii(toAsciiStl(CUBE)), [['TOO_MANY_TRIANGLES', 11, message]], { maxTriangles: 10 });
    await expectIssues(ascii(toObj(CUBE)), [['TOO_MANY_TRIANGLES', 11, message]], { maxTriangles: 10 });
  });

  it('too many triangles in a soup that never was a file', () => {
    expectSoupIssues(TORUS, [['TOO_MANY_TRIANGLES', 576, 'model has 576 triangles, the limit is 500']], { maxTriangles: 500 });
  });
});

describe('an inside-out model', () => {
  it('NEGATIVE_VOLUME with the signed volume in the message', async () => {
    const inverted = new Float32Array(TORUS.length);
    for (let t = 0; 9 * t < TORUS.length; t++) {
      inverted.set(TORUS.subarray(9 * t, 9 * t + 3), 9 * t);
      inverted.set(TORUS.subarray(9 * t + 6, 9 * t + 9), 9 * t + 3);
      inverted.set(TORUS.subarray(9 * t + 3, 9 * t + 6), 9 * t + 6);
    }
    const volume = analyzeTriangleSoup(TORUS).volumeMm3;
    const analysis = await expectIssues(toBinaryStl(inverted), [
      ['NEGATIVE_VOLUME', 1, `signed volume is ${Number((-volume).toPrecision(6))} mm³: the faces point inwards (inverted normals)`],
    ]);
    expect(analysis.volumeMm3).toBeCloseTo(-volume, 9);
  });
});

describe('a model that holds no metal', () => {
  it('a tetrahedron squashed flat: closed, manifold, every face with area, and no volume', async () => {
    const flat = new Float32Array([0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 0, 0, 10, 0, 0, 3, 3, 0, 0, 0, 0, 3, 3, 0, 0, 10, 0, 10, 0, 0, 0, 10, 0, 3, 3, 0]);
    await expectIssues(toBinaryStl(flat), [['ZERO_VOLUME', 1, 'the model encloses no volume (signed volume 0 mm³ for 100 mm² of surface): it is a surface without thickness']]);
  });

  it('a single triangle written once per side', async () => {
    await expectIssues(toBinaryStl(new Float32Array([0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 0, 0, 30, 0, 20, 0, 0])), [
      ['ZERO_VOLUME', 1, 'the model encloses no volume (signed volume 0 mm³ for 600 mm² of surface): it is a surface without thickness'],
    ]);
  });

  it('an open surface is reported by its holes alone: its volume has no meaningful sign', async () => {
    await expectIssues(toBinaryStl(removeTriangles(invert(CUBE), [0])), [['OPEN_EDGES', 3, '3 open edges: the surface has holes (not watertight)']]);
  });

  it('a model of collapsed faces only: degenerate, and no volume', async () => {
    const collapsed = appendCollapsedTriangles(CUBE, 12).subarray(CUBE.length);
    await expectIssues(toBinaryStl(collapsed), [
      ['DEGENERATE_FACES', 12, '12 degenerate faces (zero area: triangles 1, 2, 3, 4, 5, ...)'],
      ['ZERO_VOLUME', 1, 'the model encloses no volume (signed volume 0 mm³ for 0 mm² of surface): it is a surface without thickness'],
    ]);
  });
});

describe('several problems at once', () => {
  it('each is reported with its own count, in a stable order', () => {
    let soup = removeTriangles(TORUS, [0]);
    soup = flipTriangle(soup, 200);
    soup = duplicateTriangle(soup, 400);
    soup = withCoordinate(soup, 300, NaN);
    soup = appendCollapsedTriangles(soup, 3);
    expectSoupIssues(soup, [
      ['NON_FINITE_COORDINATES', 1, '1 face has NaN or infinite coordinates (triangle 301)'],
      ['DEGENERATE_FACES', 3, '3 degenerate faces (zero area: triangles 577, 578, 579)'],
      ['OPEN_EDGES', 6, '6 open edges: the surface has holes (not watertight)'],
      ['NON_MANIFOLD_EDGES', 3, '3 edges are shared by more than 2 faces (non-manifold)'],
      ['INCONSISTENT_ORIENTATION', 3, '3 edges are traversed in the same direction by both faces (flipped faces)'],
    ]);
  });
});

afterAll(() => {
  // Every code a customer can be shown was produced by at least one file above.
  expect([...seenCodes].sort()).toEqual([...MODEL_ISSUE_CODES].sort());
});

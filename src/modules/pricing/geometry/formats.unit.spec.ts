import { analyzeModel, parseModelHeader, type ModelAnalysis } from './analyze';
import { cube, invert, merge, removeTriangles, ring, tetrahedron, torus, truncateBytes, withDeclaredTriangleCount } from './generators';
import { analyzeModelStream, ModelStreamAnalyzer } from './model-stream';
import { parseObj } from './obj-parser';
import { detectModelFormat, MODEL_SNIFF_BYTES, parseModel } from './stl-parser';
import { formatFloat32, toAsciiStl, toBinaryStl, toObj } from './stl-writer';

/*
 * The three formats carry the same triangles, so they must analyse to the
 * same numbers; and a model streamed in chunks of any size must analyse
 * exactly as the whole buffer does.
 */

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Everything but the format, which legitimately differs between files of the same solid. */
function withoutFormat(analysis: ModelAnalysis): Omit<ModelAnalysis, 'format'> {
  const { format: _format, ...rest } = analysis;
  return rest;
}

/** Deterministic noise (xorshift32): what a photo or an archive looks like to the sniffer. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, Math.min(bytes.length, i + size)));
  return chunks;
}

/** Streams `bytes` in `size`-byte chunks through one reused buffer, as a file read loop would. */
function streamThroughReusedBuffer(bytes: Uint8Array, size: number, totalLength?: number): ModelAnalysis {
  const analyzer = new ModelStreamAnalyzer(totalLength);
  const buffer = new Uint8Array(size);
  for (let i = 0; i < bytes.length; i += size) {
    const length = Math.min(size, bytes.length - i);
    buffer.set(bytes.subarray(i, i + length));
    analyzer.push(buffer.subarray(0, length));
    buffer.fill(0xff); // whatever the caller does with its buffer afterwards must not matter
  }
  return analyzer.finish();
}

describe('binary STL, ASCII STL and OBJ of the same solid', () => {
  const solids: Array<[string, Float32Array]> = [
    ['a cube', cube(10)],
    ['a tetrahedron', tetrahedron(6)],
    ['a torus', torus({ majorRadiusMm: 10, minorRadiusMm: 2, majorSegments: 24, minorSegments: 12 })],
    ['a ring', ring({ innerDiameterMm: 17.3, widthMm: 3, thicknessMm: 1.6, segments: 64 })],
    ['an open cube', removeTriangles(cube(10), [0, 5])],
  ];

  it.each(solids)('%s: identical analyses', (_name, soup) => {
    const binary = analyzeModel(toBinaryStl(soup));
    const text = analyzeModel(ascii(toAsciiStl(soup)));
    const obj = analyzeModel(ascii(toObj(soup)));
    expect(binary.format).toBe('stl-binary');
    expect(text.format).toBe('stl-ascii');
    expect(obj.format).toBe('obj');
    expect(withoutFormat(text)).toEqual(withoutFormat(binary));
    expect(withoutFormat(obj)).toEqual(withoutFormat(binary));
  });

  it('every parser yields the very floats of the soup, in file order', () => {
    const soup = torus({ majorRadiusMm: 7.3, minorRadiusMm: 1.1, majorSegments: 16, minorSegments: 8 });
    for (const bytes of [toBinaryStl(soup), ascii(toAsciiStl(soup)), ascii(toObj(soup))]) {
      const parsed = parseModel(bytes);
      expect(parsed.issues).toEqual([]);
      expect(parsed.triangleCount).toBe(soup.length / 9);
      expect(Array.from(parsed.positions)).toEqual(Array.from(soup));
    }
  });

  it('a binary STL written by hand (not by our writer): stored normals and attribute bytes are ignored', () => {
    const corners = [
      [0, 0, 0, 0, 6, 0, 6, 0, 0],
      [0, 0, 0, 6, 0, 0, 0, 0, 6],
      [0, 0, 0, 0, 0, 6, 0, 6, 0],
      [6, 0, 0, 0, 6, 0, 0, 0, 6],
    ];
    const bytes = Buffer.alloc(84 + 50 * corners.length);
    bytes.write('exported by SomeCAD 2024', 0, 'latin1');
    bytes.writeUInt32LE(corners.length, 80);
    corners.forEach((triangle, t) => {
      const record = 84 + 50 * t;
      for (let k = 0; k < 3; k++) bytes.writeFloatLE(k === 0 ? 1 : 0, record + 4 * k); // a wrong normal
      triangle.forEach((value, k) => bytes.writeFloatLE(value, record + 12 + 4 * k));
      bytes.writeUInt16LE(0x7c1f, record + 48); // a colour, as some exporters store
    });
    const analysis = analyzeModel(bytes);
    expect(analysis).toMatchObject({ format: 'stl-binary', triangleCount: 4, vertexCount: 4, volumeMm3: 36, issues: [], ok: true });
    expect(Array.from(parseModel(bytes).positions)).toEqual(corners.flat());
  });

  it('an ASCII STL written by hand, with exponents, tabs, blank lines and a nameless solid', () => {
    const text = [
      'solid',
      'facet normal 0 0 -1',
      '\touter loop',
      '\t\tvertex 0.000000e+00 0.000000e+00 0.000000e+00',
      '\t\tvertex 0.000000e+00 6.000000e+00 0.000000e+00',
      '\t\tvertex 6.000000e+00 0.000000e+00 0.000000e+00',
      '\tendloop',
      'endfacet',
      '',
      'facet normal 0 -1 0 outer loop vertex 0 0 0 vertex 6 0 0 vertex 0 0 6 endloop endfacet',
      'FACET NORMAL -1 0 0',
      'OUTER LOOP',
      'VERTEX 0 0 0',
      'VERTEX 0 0 +6',
      'VERTEX 0 6. 0',
      'ENDLOOP',
      'ENDFACET',
      'facet normal 0.57735 0.57735 0.57735',
      ' outer loop',
      '  vertex 6 0 0',
      '  vertex .6e1 0 0',
      '  vertex 0 0 6',
      ' endloop',
      'endfacet',
      'endsolid',
    ].join('\n');
    // The last facet repeats a corner: one degenerate face, and the real fourth face is missing.
    const analysis = analyzeModel(ascii(text));
    expect(analysis.format).toBe('stl-ascii');
    expect(analysis.triangleCount).toBe(4);
    expect(analysis.issues.map((issue) => [issue.code, issue.count])).toEqual([
      ['DEGENERATE_FACES', 1],
      ['OPEN_EDGES', 3],
    ]);
    const fixed = text.replace('vertex .6e1 0 0', 'vertex 0 6 0');
    expect(analyzeModel(ascii(fixed))).toMatchObject({ volumeMm3: 36, vertexCount: 4, issues: [], ok: true });
  });

  it('formatFloat32 writes the shortest text that reads back as the same float32', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(10)).toBe('10');
    expect(formatFloat32(Math.PI)).toBe('3.1415927');
    for (const value of [Math.PI, 1 / 3, 17.3 / 2, -0.000123456, 123456.789]) {
      expect(Math.fround(Number(formatFloat32(value)))).toBe(Math.fround(value));
    }
  });

  it('ASCII STL is read case-insensitively, with any whitespace and several solids in a row', () => {
    const [a, b] = [cube(10), cube(10, [20, 0, 0])];
    const loose = toAsciiStl(a, 'first').toUpperCase().replace(/\n/g, '\r\n').replace(/ {2}/g, '\t') + toAsciiStl(b, 'second').replace(/ /g, '   ');
    const analysis = analyzeModel(ascii(loose), { maxShells: 2 });
    expect(analysis).toMatchObject({ format: 'stl-ascii', triangleCount: 24, volumeMm3: 2000, shellCount: 2, issues: [], ok: true });
  });

  it('ASCII STL numbers in exponent form and with a sign parse like Number()', () => {
    const text = toAsciiStl(cube(10))
      .replace(/\b10\b/g, '1.0e+1')
      .replace(/ 0\b/g, ' -0.0E0');
    const analysis = analyzeModel(ascii(text));
    expect(analysis).toMatchObject({ volumeMm3: 1000, vertexCount: 8, issues: [], ok: true });
  });

  it('OBJ: polygons are fanned, negative and slashed references resolve, the rest is skipped', () => {
    const obj = [
      '# a 10 mm cube as six quads',
      'mtllib cube.mtl',
      'o cube',
      'v 0 0 0',
      'v 10 0 0',
      'v 0 10 0',
      'v 10 10 0',
      'v 0 0 10',
      'v 10 0 10',
      'v 0 10 10',
      'v 10 10 10 1.0',
      'vt 0 0',
      'vn 0 0 1',
      'g sides',
      'usemtl gold',
      's off',
      'f 1/1/1 3/1/1 4/1/1 2/1/1',
      'f 5//1 6//1 8//1 7//1',
      'f 1 2 6 5',
      'f 3 7 8 4 # comment after a face',
      'f -8 -4 -2 -6',
      'f 2/1 4/1 8/1 6/1',
      '',
    ].join('\n');
    const analysis = analyzeModel(ascii(obj));
    expect(analysis).toMatchObject({ format: 'obj', triangleCount: 12, vertexCount: 8, volumeMm3: 1000, surfaceAreaMm2: 600, issues: [], ok: true });
  });

  it('OBJ with CRLF line ends', () => {
    const analysis = analyzeModel(ascii(toObj(tetrahedron(6)).replace(/\n/g, '\r\n')));
    expect(analysis).toMatchObject({ format: 'obj', volumeMm3: 36, ok: true });
  });

  it('format detection goes by the bytes', () => {
    expect(detectModelFormat(toBinaryStl(cube(1)))).toBe('stl-binary');
    expect(detectModelFormat(ascii(toAsciiStl(cube(1))))).toBe('stl-ascii');
    expect(detectModelFormat(ascii(toObj(cube(1))))).toBe('obj');
    expect(detectModelFormat(ascii('solidworks export follows'))).toBeNull();
    expect(detectModelFormat(ascii('hello world\n'))).toBeNull();
  });
});

describe('the streamed analysis equals the whole-buffer analysis', () => {
  // Small enough that 1-byte chunks stay quick: 288 triangles, 14 kB binary, 60 kB ASCII.
  const closed = ring({ innerDiameterMm: 17.3, widthMm: 3, thicknessMm: 1.6, segments: 12, cornerSegments: 2 });
  const binary = toBinaryStl(closed);
  const files: Array<[string, Uint8Array]> = [
    ['binary STL', binary],
    ['ASCII STL', ascii(toAsciiStl(closed))],
    ['OBJ', ascii(toObj(closed))],
    ['binary STL with holes', toBinaryStl(removeTriangles(closed, [0, 10, 20]))],
    ['inside-out binary STL', toBinaryStl(invert(closed))],
    ['binary STL cut short by 20 bytes', truncateBytes(binary, 20)],
    ['binary STL cut inside its header', binary.subarray(0, 60)],
    ['binary STL with a header count too high', withDeclaredTriangleCount(binary, 99_999)],
    ['binary STL with 7 stray bytes at the end', Buffer.concat([binary, Buffer.alloc(7, 1)])],
    ['binary STL with no triangles', withDeclaredTriangleCount(toBinaryStl(new Float32Array(0)), 0)],
    ['ASCII STL cut short', ascii(toAsciiStl(closed).slice(0, 5000))],
    ['ASCII STL with garbage', ascii(toAsciiStl(closed).replace('endloop', 'endlop'))],
    ['an empty file', new Uint8Array(0)],
    ['a file that is no model', randomBytes(3000, 7)],
    ['two cubes', toBinaryStl(merge(cube(10), cube(10, [20, 0, 0])))],
  ];

  describe.each(files)('%s', (_name, bytes) => {
    const whole = analyzeModel(bytes);

    it.each([1, 7, 50, 4096, MODEL_SNIFF_BYTES + 1])('in chunks of %i bytes, length known or not', async (size) => {
      expect(streamThroughReusedBuffer(bytes, size, bytes.length)).toEqual(whole);
      expect(streamThroughReusedBuffer(bytes, size)).toEqual(whole);
      expect(await analyzeModelStream(chunked(bytes, size), bytes.length)).toEqual(whole);
    });

    it('in one chunk', async () => {
      expect(await analyzeModelStream([bytes], bytes.length)).toEqual(whole);
      expect(await analyzeModelStream([bytes])).toEqual(whole);
    });
  });

  it('limits apply to the stream as to the buffer', async () => {
    const limits = { maxTriangles: 100, maxDimensionMm: 15 };
    for (const bytes of [binary, ascii(toAsciiStl(closed)), ascii(toObj(closed)), toBinaryStl(cube(20))]) {
      const whole = analyzeModel(bytes, limits);
      expect(whole.ok).toBe(false);
      expect(await analyzeModelStream(chunked(bytes, 7), bytes.length, limits)).toEqual(whole);
      expect(await analyzeModelStream(chunked(bytes, 4096), undefined, limits)).toEqual(whole);
    }
  });

  it('a binary stream shorter than its announced length reports the bytes that arrived', async () => {
    const cut = truncateBytes(binary, 120);
    const streamed = await analyzeModelStream(chunked(cut, 4096), binary.length);
    expect(streamed).toEqual(analyzeModel(cut));
    expect(streamed.issues.map((issue) => issue.code)).toEqual(expect.arrayContaining(['TRUNCATED_FILE', 'TRIANGLE_COUNT_MISMATCH']));
  });
});

describe('parseModelHeader: what the first bytes and the length already tell', () => {
  const stl = toBinaryStl(cube(10));

  it('a sound binary STL', () => {
    expect(parseModelHeader(stl.subarray(0, MODEL_SNIFF_BYTES), stl.length)).toEqual({ format: 'stl-binary', declaredTriangleCount: 12, issues: [], ok: true });
  });

  it('a binary STL that lies about its count, cut short, or too big, from 84 bytes and the length', () => {
    const head = stl.subarray(0, 84);
    expect(parseModelHeader(head, stl.length - 20).issues.map((issue) => issue.message)).toEqual([
      'file ends 30 bytes into triangle 12 (a binary STL triangle takes 50 bytes)',
      'header says 12 triangles (684 bytes), but the file has 664 bytes: 11 whole triangles',
    ]);
    expect(parseModelHeader(head, stl.length + 7).issues.map((issue) => issue.message)).toEqual([
      'header says 12 triangles (684 bytes), but the file has 691 bytes: 12 whole triangles and 7 stray bytes',
    ]);
    expect(parseModelHeader(head, stl.length, { maxTriangles: 10 }).issues.map((issue) => issue.message)).toEqual(['model has 12 triangles, the limit is 10']);
  });

  it('an empty upload, and bytes that are no model', () => {
    expect(parseModelHeader(new Uint8Array(0), 0).issues).toEqual([{ code: 'EMPTY_MODEL', severity: 'error', count: 1, message: 'file is empty (0 bytes)' }]);
    const noise = randomBytes(2000, 1);
    expect(parseModelHeader(noise.subarray(0, MODEL_SNIFF_BYTES), noise.length)).toMatchObject({ format: null, ok: false, issues: [{ code: 'UNRECOGNIZED_FORMAT' }] });
  });

  it('text formats are recognised but need the full parse', () => {
    expect(parseModelHeader(ascii(toAsciiStl(cube(1)).slice(0, 100)))).toEqual({ format: 'stl-ascii', declaredTriangleCount: null, issues: [], ok: true });
    expect(parseModelHeader(ascii(toObj(cube(1))))).toMatchObject({ format: 'obj', ok: true });
  });

  it('parseObj on its own', () => {
    expect(parseObj(ascii('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n'))).toMatchObject({ format: 'obj', triangleCount: 1, issues: [] });
  });
});

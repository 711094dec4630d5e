import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ModelSniffer, type SniffResult } from './model-sniffer';

async function sniff(bytes: Buffer, chunkSize = 7): Promise<SniffResult> {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) chunks.push(bytes.subarray(offset, offset + chunkSize));
  const sniffer = new ModelSniffer();
  await pipeline(Readable.from(chunks), sniffer, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return sniffer.result();
}

function binaryStl(triangles: number, declared = triangles, header = 'binary'): Buffer {
  const buffer = Buffer.alloc(84 + triangles * 50);
  buffer.write(header, 0, 'latin1');
  buffer.writeUInt32LE(declared, 80);
  for (let i = 0; i < triangles; i++) buffer.writeFloatLE(1.5, 84 + i * 50 + 12);
  return buffer;
}

const asciiStl = (facets: number, end = 'endsolid cube\n') =>
  Buffer.from(`solid cube\n${'  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n      vertex 1 0 0\n      vertex 0 1 0\n    endloop\n  endfacet\n'.repeat(facets)}${end}`);

describe('ModelSniffer', () => {
  it.each([1, 7, 4096])('recognises a binary STL and its triangle count (chunks of %i bytes)', async (chunkSize) => {
    expect(await sniff(binaryStl(12), chunkSize)).toEqual({ ok: true, format: 'stl-binary', triangleCount: 12, sizeBytes: 684 });
  });

  it('recognises a binary STL whose header starts with "solid"', async () => {
    expect(await sniff(binaryStl(3, 3, 'solid exported by CAD'))).toMatchObject({ ok: true, format: 'stl-binary', triangleCount: 3 });
  });

  it.each([1, 5, 64])('counts the facets of an ASCII STL across chunk boundaries (chunks of %i bytes)', async (chunkSize) => {
    expect(await sniff(asciiStl(5), chunkSize)).toMatchObject({ ok: true, format: 'stl-ascii', triangleCount: 5 });
  });

  it('recognises OBJ by its vertex and face lines', async () => {
    const obj = Buffer.from('# tetrahedron\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n');
    expect(await sniff(obj, 3)).toMatchObject({ ok: true, format: 'obj', triangleCount: 4 });
  });

  it('refuses an empty body', async () => {
    expect(await sniff(Buffer.alloc(0))).toMatchObject({ ok: false, code: 'EMPTY_BODY' });
  });

  it('refuses a binary STL whose header count disagrees with its length, with both numbers', async () => {
    expect(await sniff(binaryStl(10, 12))).toEqual({
      ok: false,
      code: 'TRIANGLE_COUNT_MISMATCH',
      message: 'binary STL header says 12 triangles, the file holds 10',
    });
  });

  it('refuses a binary STL cut short', async () => {
    expect(await sniff(binaryStl(10).subarray(0, 84 + 50 * 4 + 17))).toMatchObject({ ok: false, code: 'TRUNCATED_MODEL' });
  });

  it('refuses an ASCII STL without endsolid', async () => {
    expect(await sniff(asciiStl(3, ''))).toMatchObject({ ok: false, code: 'TRUNCATED_MODEL' });
  });

  it('refuses a binary STL with no triangles and an ASCII STL with no facets', async () => {
    expect(await sniff(binaryStl(0))).toMatchObject({ ok: false, code: 'EMPTY_MODEL' });
    expect(await sniff(Buffer.from('solid nothing\nendsolid nothing\n'))).toMatchObject({ ok: false, code: 'EMPTY_MODEL' });
  });

  it.each([
    ['a JSON document', Buffer.from('{"material":"GOLD_750"}')],
    ['a PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ['plain text', Buffer.from('hello, this is not a model at all\n')],
  ])('refuses %s as an unrecognised format', async (_label, bytes) => {
    expect(await sniff(bytes)).toMatchObject({ ok: false, code: expect.stringMatching(/UNRECOGNISED_MODEL_FORMAT|TRUNCATED_MODEL/) });
  });

  describe('OBJ faces must refer to vertices defined before them, as pricing parses them', () => {
    const tetrahedron = '# tetrahedron\r\nv 0 0 0\r\nv 1 0 0\r\nV 0 1 0\r\nv 0 0 1 1.0\r\nvn 0 0 1\r\n';

    it.each([1, 3, 4096])('accepts references with texture and normal indices, negative ones and trailing comments (chunks of %i bytes)', async (chunkSize) => {
      const obj = `${tetrahedron}f 1/1/1 3/1/1 2/1/1\r\nf -4//1 -3//1 -1//1 # comment\r\n  F\t2 3 4\r\nf 1 4 3`;
      expect(await sniff(Buffer.from(obj), chunkSize)).toMatchObject({ ok: true, format: 'obj', triangleCount: 4 });
    });

    it.each([
      ['vertex 0', 'f 1 3 2\nf 0 2 4\n', 'INVALID_VERTEX_INDEX', 'line 8: face refers to vertex 0; OBJ vertex indices start at 1 (or count back from -1)'],
      ['a vertex past the last', 'f 1 3 2\nf 1 2 5/1\n', 'INVALID_VERTEX_INDEX', 'line 8: face refers to vertex 5, but only 4 are defined before it'],
      ['a negative index past the first', 'f -1 -2 -3\nf -1 -5 -2\n', 'INVALID_VERTEX_INDEX', 'line 8: face refers to vertex -5, but only 4 are defined before it'],
      ['a vertex defined only after the face', 'f 1 2 3\nf 1 2 5\nv 2 2 2\n', 'INVALID_VERTEX_INDEX', 'line 8: face refers to vertex 5, but only 4 are defined before it'],
      ['a reference that is no number', 'f 1 2 x\n', 'MALFORMED_FACE', 'line 7: expected a vertex reference, found "x"'],
      ['a face of two vertices', 'f 1 2 3\nf 1 2 # a line, not a face\n', 'MALFORMED_FACE', 'line 8: a face needs at least 3 vertices, found 2'],
    ])('refuses a face with %s, naming its line', async (_label, faces, code, message) => {
      for (const chunkSize of [1, 7, 4096]) {
        expect(await sniff(Buffer.from(tetrahedron.replaceAll('\r', '') + faces), chunkSize)).toEqual({ ok: false, code, message });
      }
    });
  });
});

/** A closed, outward-facing box as binary STL: enough model for HTTP tests. */
export function boxStl(x = 10, y = 10, z = 4): Buffer {
  const v = [
    [0, 0, 0],
    [x, 0, 0],
    [x, y, 0],
    [0, y, 0],
    [0, 0, z],
    [x, 0, z],
    [x, y, z],
    [0, y, z],
  ] as const;
  // Counter-clockwise seen from outside.
  const faces = [
    [0, 2, 1],
    [0, 3, 2],
    [4, 5, 6],
    [4, 6, 7],
    [0, 1, 5],
    [0, 5, 4],
    [1, 2, 6],
    [1, 6, 5],
    [2, 3, 7],
    [2, 7, 6],
    [3, 0, 4],
    [3, 4, 7],
  ] as const;
  const buffer = Buffer.alloc(84 + faces.length * 50);
  buffer.write('box for tests', 0, 'latin1');
  buffer.writeUInt32LE(faces.length, 80);
  faces.forEach((face, index) => {
    const offset = 84 + index * 50 + 12;
    face.forEach((vertex, corner) => {
      for (let axis = 0; axis < 3; axis++) buffer.writeFloatLE(v[vertex][axis]!, offset + corner * 12 + axis * 4);
    });
  });
  return buffer;
}

export function boxAsciiStl(): string {
  const binary = boxStl();
  const count = binary.readUInt32LE(80);
  const lines = ['solid box'];
  for (let i = 0; i < count; i++) {
    lines.push('  facet normal 0 0 0', '    outer loop');
    for (let corner = 0; corner < 3; corner++) {
      const offset = 84 + i * 50 + 12 + corner * 12;
      lines.push(`      vertex ${binary.readFloatLE(offset)} ${binary.readFloatLE(offset + 4)} ${binary.readFloatLE(offset + 8)}`);
    }
    lines.push('    endloop', '  endfacet');
  }
  lines.push('endsolid box', '');
  return lines.join('\n');
}

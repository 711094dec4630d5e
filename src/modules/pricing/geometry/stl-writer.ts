import { weldVertices } from './mesh';
import { BINARY_STL_HEADER_BYTES, BINARY_STL_TRIANGLE_BYTES } from './stl-parser';

/**
 * Serialises a triangle soup (9 floats per triangle) as binary STL, ASCII
 * STL or OBJ. Facet normals are computed from the winding (right-hand rule),
 * which is what the STL specification asks for.
 */

const DEFAULT_HEADER = 'Alexandrite binary STL';

/**
 * Binary STL. The header must not start with "solid" (readers that look no
 * further would take the file for ASCII), so such a header is refused.
 */
export function toBinaryStl(positions: Float32Array, header = DEFAULT_HEADER): Buffer {
  if (/^\s*solid/i.test(header)) throw new RangeError('a binary STL header must not start with "solid"');
  const triangles = Math.floor(positions.length / 9);
  const bytes = Buffer.alloc(BINARY_STL_HEADER_BYTES + triangles * BINARY_STL_TRIANGLE_BYTES);
  bytes.write(header.slice(0, 80), 0, 'latin1');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(80, triangles, true);
  const normal = new Float64Array(3);
  for (let t = 0; t < triangles; t++) {
    const record = BINARY_STL_HEADER_BYTES + t * BINARY_STL_TRIANGLE_BYTES;
    facetNormal(positions, t, normal);
    for (let k = 0; k < 3; k++) view.setFloat32(record + 4 * k, normal[k]!, true);
    for (let k = 0; k < 9; k++) view.setFloat32(record + 12 + 4 * k, positions[9 * t + k]!, true);
    // The 2 attribute bytes stay 0, as the specification asks.
  }
  return bytes;
}

export function toAsciiStl(positions: Float32Array, name = 'alexandrite'): string {
  const triangles = Math.floor(positions.length / 9);
  const lines: string[] = [`solid ${name}`];
  const normal = new Float64Array(3);
  for (let t = 0; t < triangles; t++) {
    facetNormal(positions, t, normal);
    lines.push(`  facet normal ${formatFloat32(normal[0]!)} ${formatFloat32(normal[1]!)} ${formatFloat32(normal[2]!)}`, '    outer loop');
    for (let corner = 0; corner < 3; corner++) {
      const i = 9 * t + 3 * corner;
      lines.push(`      vertex ${formatFloat32(positions[i]!)} ${formatFloat32(positions[i + 1]!)} ${formatFloat32(positions[i + 2]!)}`);
    }
    lines.push('    endloop', '  endfacet');
  }
  lines.push(`endsolid ${name}`, '');
  return lines.join('\n');
}

/** Wavefront OBJ with shared (welded) vertices and 1-based faces. */
export function toObj(positions: Float32Array): string {
  const mesh = weldVertices(positions);
  const lines: string[] = ['# Alexandrite OBJ'];
  const v = mesh.vertices;
  for (let i = 0; i < mesh.vertexCount; i++) {
    lines.push(`v ${formatFloat32(v[3 * i]!)} ${formatFloat32(v[3 * i + 1]!)} ${formatFloat32(v[3 * i + 2]!)}`);
  }
  const f = mesh.indices;
  for (let i = 0; i < mesh.faceCount; i++) lines.push(`f ${f[3 * i]! + 1} ${f[3 * i + 1]! + 1} ${f[3 * i + 2]! + 1}`);
  lines.push('');
  return lines.join('\n');
}

/**
 * The shortest decimal that reads back as the same float32, so text files
 * are compact and parse to exactly the floats a binary file would hold.
 */
export function formatFloat32(value: number): string {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return String(single);
  for (let precision = 1; precision <= 9; precision++) {
    const text = String(Number(single.toPrecision(precision)));
    if (Math.fround(Number(text)) === single) return text;
  }
  return String(single);
}

/** Unit normal of triangle t into `out` (zero for a degenerate triangle). */
function facetNormal(positions: Float32Array, t: number, out: Float64Array): void {
  const i = 9 * t;
  const ux = positions[i + 3]! - positions[i]!,
    uy = positions[i + 4]! - positions[i + 1]!,
    uz = positions[i + 5]! - positions[i + 2]!;
  const vx = positions[i + 6]! - positions[i]!,
    vy = positions[i + 7]! - positions[i + 1]!,
    vz = positions[i + 8]! - positions[i + 2]!;
  const nx = uy * vz - uz * vy,
    ny = uz * vx - ux * vz,
    nz = ux * vy - uy * vx;
  const length = Math.hypot(nx, ny, nz);
  const scale = length > 0 && Number.isFinite(length) ? 1 / length : 0;
  out[0] = nx * scale;
  out[1] = ny * scale;
  out[2] = nz * scale;
}

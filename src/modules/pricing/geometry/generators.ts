import type { Vec3 } from './model-issue';

/**
 * Mesh generators for the catalogue and the benchmarks, plus deliberately
 * broken variants for the tests. Every piece is one watertight shell with
 * outward-facing, consistently wound triangles, returned as a triangle soup
 * (9 floats per triangle, mm); stl-writer.ts turns it into a file.
 *
 * Vertices are computed once (in float64) and shared by index before the
 * soup is written, so corners that meet are bit-identical floats and weld
 * exactly; recomputing cos(2π) for the closing seam would leave a crack.
 */
export type Vec2 = readonly [number, number];

// ---------------------------------------------------------------- building blocks

class MeshBuilder {
  private vertices: Float64Array = new Float64Array(3 * 256);
  private indices: Uint32Array = new Uint32Array(3 * 512);
  private vertexCount = 0;
  private faceCount = 0;

  addVertex(x: number, y: number, z: number): number {
    if (3 * (this.vertexCount + 1) > this.vertices.length) this.vertices = growFloat64(this.vertices);
    const v = 3 * this.vertexCount;
    this.vertices[v] = x;
    this.vertices[v + 1] = y;
    this.vertices[v + 2] = z;
    return this.vertexCount++;
  }

  /** Counter-clockwise seen from outside. A triangle with a repeated vertex is dropped. */
  addTriangle(a: number, b: number, c: number): void {
    if (a === b || b === c || c === a) return;
    if (3 * (this.faceCount + 1) > this.indices.length) this.indices = growUint32(this.indices);
    const f = 3 * this.faceCount++;
    this.indices[f] = a;
    this.indices[f + 1] = b;
    this.indices[f + 2] = c;
  }

  /** a, b, c, d counter-clockwise seen from outside, as two triangles. */
  addQuad(a: number, b: number, c: number, d: number): void {
    this.addTriangle(a, b, c);
    this.addTriangle(a, c, d);
  }

  toSoup(): Float32Array {
    const soup = new Float32Array(9 * this.faceCount);
    for (let i = 0; i < 3 * this.faceCount; i++) {
      const v = 3 * this.indices[i]!;
      soup[3 * i] = this.vertices[v]!;
      soup[3 * i + 1] = this.vertices[v + 1]!;
      soup[3 * i + 2] = this.vertices[v + 2]!;
    }
    return soup;
  }
}

function growFloat64(array: Float64Array): Float64Array {
  const next = new Float64Array(array.length * 2);
  next.set(array);
  return next;
}

function growUint32(array: Uint32Array): Uint32Array {
  const next = new Uint32Array(array.length * 2);
  next.set(array);
  return next;
}

function requirePositive(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
}

function requireSegments(values: Record<string, number>, minimum: number): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < minimum) throw new RangeError(`${name} must be an integer of at least ${minimum}, got ${value}`);
  }
}

// ---------------------------------------------------------------- solids

/** An axis-aligned box from `origin` to `origin + size`: 12 triangles. */
export function box(size: Vec3, origin: Vec3 = [0, 0, 0]): Float32Array {
  requirePositive({ 'size x': size[0], 'size y': size[1], 'size z': size[2] });
  const mesh = new MeshBuilder();
  // Vertex i has x = bit 0, y = bit 1, z = bit 2 of i.
  for (let i = 0; i < 8; i++) {
    mesh.addVertex(origin[0] + (i & 1 ? size[0] : 0), origin[1] + (i & 2 ? size[1] : 0), origin[2] + (i & 4 ? size[2] : 0));
  }
  mesh.addQuad(0, 2, 3, 1); // z = 0, facing -z
  mesh.addQuad(4, 5, 7, 6); // z = max, facing +z
  mesh.addQuad(0, 1, 5, 4); // y = 0, facing -y
  mesh.addQuad(2, 6, 7, 3); // y = max, facing +y
  mesh.addQuad(0, 4, 6, 2); // x = 0, facing -x
  mesh.addQuad(1, 3, 7, 5); // x = max, facing +x
  return mesh.toSoup();
}

export function cube(edgeMm: number, origin: Vec3 = [0, 0, 0]): Float32Array {
  return box([edgeMm, edgeMm, edgeMm], origin);
}

/**
 * The corner tetrahedron (0,0,0), (a,0,0), (0,a,0), (0,0,a): volume a³/6,
 * area (3 + √3) a²/2, both exact to check against.
 */
export function tetrahedron(legMm: number): Float32Array {
  requirePositive({ legMm });
  const mesh = new MeshBuilder();
  const o = mesh.addVertex(0, 0, 0);
  const x = mesh.addVertex(legMm, 0, 0);
  const y = mesh.addVertex(0, legMm, 0);
  const z = mesh.addVertex(0, 0, legMm);
  mesh.addTriangle(o, y, x);
  mesh.addTriangle(o, x, z);
  mesh.addTriangle(o, z, y);
  mesh.addTriangle(x, y, z);
  return mesh.toSoup();
}

/**
 * Revolves a closed profile polygon in the (ρ, z) half-plane (ρ = distance
 * from the z axis, ≥ 0) around the z axis in `segments` steps. Profile
 * points on the axis become one pole vertex, so studs and discs close up
 * without slivers. Either winding is accepted; the result faces outwards.
 *
 * The solid is a polyhedron whose volume is exactly
 * segments · sin(2π / segments) · ∫ρ dA over the profile (each wedge between
 * two meridians is a linear sweep of the profile), which the tests use.
 */
export function revolveProfile(profile: readonly Vec2[], segments: number): Float32Array {
  requireSegments({ segments }, 3);
  const points = counterClockwise(withoutRepeats(profile));
  if (points.length < 3) throw new RangeError('a profile needs at least 3 distinct points');
  if (points.some(([rho, z]) => !(rho >= 0) || !Number.isFinite(rho) || !Number.isFinite(z))) {
    throw new RangeError('profile points need a finite ρ ≥ 0 (they are distances from the axis)');
  }
  const mesh = new MeshBuilder();
  const cos = Array.from({ length: segments }, (_, i) => Math.cos((2 * Math.PI * i) / segments));
  const sin = Array.from({ length: segments }, (_, i) => Math.sin((2 * Math.PI * i) / segments));
  // ring[j][i]: the vertex of profile point j at angle i (one pole vertex when on the axis).
  const ring = points.map(([rho, z]) => (rho === 0 ? new Array<number>(segments).fill(mesh.addVertex(0, 0, z)) : cos.map((c, i) => mesh.addVertex(rho * c, rho * sin[i]!, z))));
  for (let i = 0; i < segments; i++) {
    const next = (i + 1) % segments;
    for (let j = 0; j < points.length; j++) {
      const from = ring[j]!;
      const to = ring[(j + 1) % points.length]!;
      // For a counter-clockwise profile this quad's normal is the profile's outward normal.
      mesh.addQuad(from[i]!, from[next]!, to[next]!, to[i]!);
    }
  }
  return mesh.toSoup();
}

function withoutRepeats(profile: readonly Vec2[]): Vec2[] {
  const points: Vec2[] = [];
  for (const point of profile) {
    const last = points[points.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) points.push(point);
  }
  while (points.length > 1 && points[0]![0] === points[points.length - 1]![0] && points[0]![1] === points[points.length - 1]![1]) points.pop();
  return points;
}

/** Shoelace area in the (ρ, z) plane; positive for counter-clockwise. */
export function profileArea(profile: readonly Vec2[]): number {
  let twice = 0;
  for (let j = 0; j < profile.length; j++) {
    const [x0, y0] = profile[j]!;
    const [x1, y1] = profile[(j + 1) % profile.length]!;
    twice += x0 * y1 - x1 * y0;
  }
  return twice / 2;
}

function counterClockwise(profile: Vec2[]): Vec2[] {
  return profileArea(profile) < 0 ? profile.reverse() : profile;
}

/** A circle of `points` points, radius `radius`, centred at (centreRho, centreZ), counter-clockwise. */
function circleProfile(centreRho: number, centreZ: number, radius: number, points: number): Vec2[] {
  return Array.from({ length: points }, (_, j) => {
    const angle = (2 * Math.PI * j) / points;
    return [centreRho + radius * Math.cos(angle), centreZ + radius * Math.sin(angle)] as const;
  });
}

export interface TorusOptions {
  /** Distance from the axis to the centre of the tube (mm). */
  readonly majorRadiusMm: number;
  /** Radius of the tube (mm). */
  readonly minorRadiusMm: number;
  /** Steps around the axis. */
  readonly majorSegments: number;
  /** Steps around the tube. */
  readonly minorSegments: number;
}

export function torusProfile(options: TorusOptions): Vec2[] {
  requirePositive({ majorRadiusMm: options.majorRadiusMm, minorRadiusMm: options.minorRadiusMm });
  if (options.minorRadiusMm >= options.majorRadiusMm) throw new RangeError('the tube must not reach the axis (minor radius < major radius)');
  requireSegments({ minorSegments: options.minorSegments }, 3);
  return circleProfile(options.majorRadiusMm, 0, options.minorRadiusMm, options.minorSegments);
}

/** 2 · major · minor triangles; the analytic volume 2π²Rr² is approached as both grow. */
export function torus(options: TorusOptions): Float32Array {
  return revolveProfile(torusProfile(options), options.majorSegments);
}

export interface RingOptions {
  /** Finger diameter (ring size), mm; e.g. 17.3 for size 54 (EU) / 7 (US). */
  readonly innerDiameterMm: number;
  /** Band width along the finger, mm. */
  readonly widthMm: number;
  /** Band thickness from inner to outer surface, mm. */
  readonly thicknessMm: number;
  /** Corner radius of the cross-section, mm: 0 for a flat rectangular band. Default 40% of the smaller side. */
  readonly cornerRadiusMm?: number;
  /** Steps per rounded corner (a quarter circle). Default 6. */
  readonly cornerSegments?: number;
  /** Steps around the finger. Default 128. */
  readonly segments?: number;
}

/**
 * The ring's cross-section: a rectangle [r, r + thickness] x [-width/2, width/2]
 * with optionally rounded corners (the "comfort fit" band), counter-clockwise.
 */
export function ringProfile(options: RingOptions): Vec2[] {
  const { innerDiameterMm, widthMm, thicknessMm } = options;
  requirePositive({ innerDiameterMm, widthMm, thicknessMm });
  const corner = options.cornerRadiusMm ?? 0.4 * Math.min(widthMm, thicknessMm);
  if (!(corner >= 0) || corner > Math.min(widthMm, thicknessMm) / 2) {
    throw new RangeError(`cornerRadiusMm must be between 0 and half the smaller side (${Math.min(widthMm, thicknessMm) / 2} mm), got ${corner}`);
  }
  const inner = innerDiameterMm / 2;
  const outer = inner + thicknessMm;
  const half = widthMm / 2;
  if (corner === 0)
    return [
      [inner, -half],
      [outer, -half],
      [outer, half],
      [inner, half],
    ];
  const steps = options.cornerSegments ?? 6;
  requireSegments({ cornerSegments: steps }, 1);
  // Corner centres counter-clockwise, each with the quarter it sweeps.
  const corners: Array<[number, number, number]> = [
    [outer - corner, -half + corner, -Math.PI / 2],
    [outer - corner, half - corner, 0],
    [inner + corner, half - corner, Math.PI / 2],
    [inner + corner, -half + corner, Math.PI],
  ];
  return corners.flatMap(([rho, z, start]) =>
    Array.from({ length: steps + 1 }, (_, k) => {
      const angle = start + (k / steps) * (Math.PI / 2);
      return [rho + corner * Math.cos(angle), z + corner * Math.sin(angle)] as const;
    }),
  );
}

/**
 * A band ring around the z axis. Profile vertices sit on the nominal inner
 * radius, so the flat chords between them come inside it by
 * r(1 - cos(π/segments)): 0.005 mm for a 17 mm ring at 128 segments.
 */
export function ring(options: RingOptions): Float32Array {
  const segments = options.segments ?? 128;
  return revolveProfile(ringProfile(options), segments);
}

/** Triangles {@link ring} produces for these options (2 per profile edge per segment). */
export function ringTriangleCount(options: RingOptions): number {
  return 2 * withoutRepeats(ringProfile(options)).length * (options.segments ?? 128);
}

export interface PendantOptions {
  /** Disc diameter, mm. Default 20. */
  readonly diameterMm?: number;
  /** Disc thickness, mm. Default 1.5. */
  readonly thicknessMm?: number;
  /** Diameter of the hole for the jump ring (the loop), mm. Default 2. */
  readonly holeDiameterMm?: number;
  /** Metal left between the hole and the rim, mm. Default 1.5. */
  readonly rimMm?: number;
  /** Steps around the disc and the hole. Default 96. */
  readonly segments?: number;
}

/**
 * A flat disc pendant with a hole near the rim for its jump ring: one
 * watertight shell of genus 1. Both outlines are sampled along rays from the
 * hole's centre (the disc is convex, so each ray meets its rim once), and
 * the faces between ray k and ray k+1 tile the flat sides exactly, so the
 * volume is thickness · (disc polygon area − hole polygon area).
 */
export function pendant(options: PendantOptions = {}): Float32Array {
  const outline = pendantOutline(options);
  const thickness = options.thicknessMm ?? 1.5;
  requirePositive({ thicknessMm: thickness });
  const n = outline.rim.length;
  const mesh = new MeshBuilder();
  const vertexRow = (points: readonly Vec2[], z: number): number[] => points.map(([x, y]) => mesh.addVertex(x, y, z));
  const rimBottom = vertexRow(outline.rim, 0);
  const rimTop = vertexRow(outline.rim, thickness);
  const holeBottom = vertexRow(outline.hole, 0);
  const holeTop = vertexRow(outline.hole, thickness);
  for (let k = 0; k < n; k++) {
    const next = (k + 1) % n;
    mesh.addQuad(rimTop[k]!, rimTop[next]!, holeTop[next]!, holeTop[k]!); // top face, +z
    mesh.addQuad(rimBottom[k]!, holeBottom[k]!, holeBottom[next]!, rimBottom[next]!); // bottom face, -z
    mesh.addQuad(rimBottom[k]!, rimBottom[next]!, rimTop[next]!, rimTop[k]!); // rim, facing out
    mesh.addQuad(holeBottom[k]!, holeTop[k]!, holeTop[next]!, holeBottom[next]!); // hole wall, facing into the hole
  }
  return mesh.toSoup();
}

/** The pendant's rim and hole outlines in the xy plane (disc centred at the origin), counter-clockwise. */
export function pendantOutline(options: PendantOptions = {}): { rim: Vec2[]; hole: Vec2[] } {
  const diameter = options.diameterMm ?? 20;
  const holeDiameter = options.holeDiameterMm ?? 2;
  const rim = options.rimMm ?? 1.5;
  const segments = options.segments ?? 96;
  requirePositive({ diameterMm: diameter, holeDiameterMm: holeDiameter, rimMm: rim });
  requireSegments({ segments }, 3);
  const discRadius = diameter / 2;
  const holeRadius = holeDiameter / 2;
  // The disc's centre lies below the hole's, so the hole sits near the top rim.
  const offset = discRadius - holeRadius - rim;
  if (offset < 0) throw new RangeError('the hole and its rim do not fit in the disc');
  const rimPoints: Vec2[] = [];
  const holePoints: Vec2[] = [];
  for (let k = 0; k < segments; k++) {
    const angle = (2 * Math.PI * k) / segments;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    // Where the ray from the hole centre meets the disc's circle (centre (0, -offset) seen from the hole).
    const reach = -offset * s + Math.sqrt(discRadius * discRadius - offset * offset * c * c);
    // Shifted so that the disc is centred on the origin and the hole sits above it.
    rimPoints.push([reach * c, reach * s + offset]);
    holePoints.push([holeRadius * c, holeRadius * s + offset]);
  }
  return { rim: rimPoints, hole: holePoints };
}

export interface StudOptions {
  /** Diameter of the domed head, mm. Default 5. */
  readonly headDiameterMm?: number;
  /** Diameter of the post, mm. Default 0.8. */
  readonly postDiameterMm?: number;
  /** Length of the post below the head, mm. Default 10. */
  readonly postLengthMm?: number;
  /** Steps around the axis. Default 48. */
  readonly segments?: number;
  /** Steps along the dome from rim to top. Default 12. */
  readonly domeSegments?: number;
}

/** A stud earring's profile: post from (0, -length) up to a hemispherical head, closed along the axis. */
export function studProfile(options: StudOptions = {}): Vec2[] {
  const head = (options.headDiameterMm ?? 5) / 2;
  const post = (options.postDiameterMm ?? 0.8) / 2;
  const length = options.postLengthMm ?? 10;
  const dome = options.domeSegments ?? 12;
  requirePositive({ headDiameterMm: head, postDiameterMm: post, postLengthMm: length });
  requireSegments({ domeSegments: dome }, 2);
  if (post >= head) throw new RangeError('the post must be thinner than the head');
  const profile: Vec2[] = [
    [0, -length],
    [post, -length],
    [post, 0],
  ];
  for (let k = 0; k < dome; k++) {
    const angle = (k / dome) * (Math.PI / 2);
    profile.push([head * Math.cos(angle), head * Math.sin(angle)]);
  }
  profile.push([0, head]); // exactly on the axis: cos(π/2) is not 0 in floating point
  return profile;
}

/** One stud earring: a single shell around the z axis. */
export function earringStud(options: StudOptions = {}): Float32Array {
  return revolveProfile(studProfile(options), options.segments ?? 48);
}

/** A pair of studs `spacingMm` apart (default 10): two shells, as sold. */
export function earringPair(options: StudOptions & { readonly spacingMm?: number } = {}): Float32Array {
  const spacing = options.spacingMm ?? 10;
  const stud = earringStud(options);
  return merge(translate(stud, [-spacing / 2, 0, 0]), translate(stud, [spacing / 2, 0, 0]));
}

// ---------------------------------------------------------------- transforms

export function translate(soup: Float32Array, offset: Vec3): Float32Array {
  const out = new Float32Array(soup.length);
  for (let i = 0; i < soup.length; i++) out[i] = soup[i]! + offset[i % 3]!;
  return out;
}

export function scale(soup: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(soup.length);
  for (let i = 0; i < soup.length; i++) out[i] = soup[i]! * factor;
  return out;
}

export function merge(...soups: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(soups.reduce((total, soup) => total + soup.length, 0));
  let offset = 0;
  for (const soup of soups) {
    out.set(soup, offset);
    offset += soup.length;
  }
  return out;
}

/** Every triangle wound the other way: an inside-out model with negative volume. */
export function invert(soup: Float32Array): Float32Array {
  const out = soup.slice();
  for (let t = 0; 9 * t < out.length; t++) swapCorners12(out, t);
  return out;
}

// ---------------------------------------------------------------- broken variants (for tests)

/** Without the given triangles: each removed triangle opens the edges it no longer shares with a removed neighbour. */
export function removeTriangles(soup: Float32Array, triangles: readonly number[]): Float32Array {
  const removed = new Set(triangles);
  const out = new Float32Array(soup.length - 9 * removed.size);
  let o = 0;
  for (let t = 0; 9 * t < soup.length; t++) {
    if (removed.has(t)) continue;
    out.set(soup.subarray(9 * t, 9 * t + 9), o);
    o += 9;
  }
  return out;
}

/** Triangle t appears twice: its 3 edges are then used by 3 faces each (non-manifold). */
export function duplicateTriangle(soup: Float32Array, t: number): Float32Array {
  return merge(soup, soup.slice(9 * t, 9 * t + 9));
}

/** Triangle t wound the other way: its 3 edges are traversed in the same direction twice. */
export function flipTriangle(soup: Float32Array, t: number): Float32Array {
  const out = soup.slice();
  swapCorners12(out, t);
  return out;
}

/** Replaces coordinate `axis` (0..2) of corner `corner` (0..2) of triangle t, e.g. with NaN. */
export function withCoordinate(soup: Float32Array, t: number, value: number, corner = 0, axis = 0): Float32Array {
  const out = soup.slice();
  out[9 * t + 3 * corner + axis] = value;
  return out;
}

/**
 * Appends `count` collapsed triangles (a, a, b) built from existing corners:
 * zero area and no edges, so they change nothing but the degenerate count.
 */
export function appendCollapsedTriangles(soup: Float32Array, count: number): Float32Array {
  const extra = new Float32Array(9 * count);
  const triangles = Math.floor(soup.length / 9);
  for (let k = 0; k < count; k++) {
    const t = 9 * (k % triangles);
    extra.set(soup.subarray(t, t + 3), 9 * k);
    extra.set(soup.subarray(t, t + 3), 9 * k + 3);
    extra.set(soup.subarray(t + 3, t + 6), 9 * k + 6);
  }
  return merge(soup, extra);
}

/** A binary STL cut short by `bytes` bytes. */
export function truncateBytes(stl: Uint8Array, bytes: number): Buffer {
  return Buffer.from(stl.subarray(0, Math.max(0, stl.length - bytes)));
}

/** A binary STL whose header claims `count` triangles, whatever it holds. */
export function withDeclaredTriangleCount(stl: Uint8Array, count: number): Buffer {
  const copy = Buffer.from(stl);
  copy.writeUInt32LE(count, 80);
  return copy;
}

function swapCorners12(soup: Float32Array, t: number): void {
  for (let axis = 0; axis < 3; axis++) {
    const i = 9 * t + 3 + axis;
    const j = 9 * t + 6 + axis;
    const kept = soup[i]!;
    soup[i] = soup[j]!;
    soup[j] = kept;
  }
}

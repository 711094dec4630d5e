import { analyzeModel, analyzeTriangleSoup, type ModelAnalysis } from './analyze';
import {
  box,
  cube,
  earringPair,
  earringStud,
  invert,
  merge,
  pendant,
  pendantOutline,
  profileArea,
  ring,
  ringProfile,
  ringTriangleCount,
  scale,
  tetrahedron,
  torus,
  torusProfile,
  translate,
  type Vec2,
} from './generators';
import { measureMesh } from './measure';
import { toBinaryStl } from './stl-writer';

/*
 * Exact answers on generated solids. Every vertex of these solids is a
 * float32 whose products and sums stay exact in float64 where the numbers
 * are small integers (cube, box, tetrahedron), so those are compared with
 * toBe; solids with irrational vertices are compared with the exact volume
 * of the polyhedron as built, within float32 rounding of the vertices.
 */

const codes = (analysis: ModelAnalysis): string[] => analysis.issues.map((issue) => issue.code);

/** ∫ρ dA over a closed polygon in the (ρ, z) plane (Green's theorem), positive for counter-clockwise. */
function firstMomentAboutAxis(profile: readonly Vec2[]): number {
  let sum = 0;
  for (let j = 0; j < profile.length; j++) {
    const [x0, y0] = profile[j]!;
    const [x1, y1] = profile[(j + 1) % profile.length]!;
    sum += (x0 + x1) * (x0 * y1 - x1 * y0);
  }
  return sum / 6;
}

/**
 * The exact volume of a profile revolved in `segments` flat steps: each wedge
 * between two meridians is the profile swept linearly from one meridian to
 * the next, whose Jacobian is ρ·sin(α), so V = segments · sin(2π/segments) · ∫ρ dA.
 */
function revolvedPolyhedronVolume(profile: readonly Vec2[], segments: number): number {
  return segments * Math.sin((2 * Math.PI) / segments) * firstMomentAboutAxis(profile);
}

/** The exact area of the same polyhedron: each profile edge sweeps a planar trapezoid per segment. */
function revolvedPolyhedronArea(profile: readonly Vec2[], segments: number): number {
  const half = Math.PI / segments;
  let perSegment = 0;
  for (let j = 0; j < profile.length; j++) {
    const [r0, z0] = profile[j]!;
    const [r1, z1] = profile[(j + 1) % profile.length]!;
    const height = Math.hypot((r1 - r0) * Math.cos(half), z1 - z0);
    perSegment += Math.sin(half) * (r0 + r1) * height;
  }
  return segments * perSegment;
}

describe('generated solids measure exactly', () => {
  it('a 10 mm cube: volume 1000 mm³, area 600 mm², box 10 × 10 × 10, one shell, no issue', () => {
    const analysis = analyzeTriangleSoup(cube(10));
    expect(analysis).toEqual({
      format: null,
      triangleCount: 12,
      vertexCount: 8,
      volumeMm3: 1000,
      surfaceAreaMm2: 600,
      boundingBox: { min: [0, 0, 0], max: [10, 10, 10], size: [10, 10, 10] },
      shellCount: 1,
      issues: [],
      ok: true,
    });
  });

  it('a box away from the origin: volume and area do not depend on where it sits', () => {
    const analysis = analyzeTriangleSoup(box([2, 3, 4], [100, -50, 25]));
    expect(analysis.volumeMm3).toBe(24);
    expect(analysis.surfaceAreaMm2).toBe(2 * (6 + 8 + 12));
    expect(analysis.boundingBox).toEqual({ min: [100, -50, 25], max: [102, -47, 29], size: [2, 3, 4] });
    expect(analysis.ok).toBe(true);
  });

  it('a corner tetrahedron with legs of 6 mm: volume a³/6 = 36 mm³, area (3 + √3)a²/2', () => {
    const analysis = analyzeTriangleSoup(tetrahedron(6));
    expect(analysis.volumeMm3).toBe(36);
    expect(analysis.surfaceAreaMm2).toBeCloseTo(((3 + Math.sqrt(3)) * 36) / 2, 12);
    expect(analysis).toMatchObject({ triangleCount: 4, vertexCount: 4, shellCount: 1, issues: [], ok: true });
    expect(analysis.boundingBox).toEqual({ min: [0, 0, 0], max: [6, 6, 6], size: [6, 6, 6] });
  });

  it('measureMesh agrees with the analysis on the numbers it shares', () => {
    const soup = tetrahedron(6);
    const analysis = analyzeTriangleSoup(soup);
    expect(measureMesh(soup)).toEqual({
      triangleCount: 4,
      vertexCount: 4,
      volumeMm3: analysis.volumeMm3,
      surfaceAreaMm2: analysis.surfaceAreaMm2,
      boundingBox: analysis.boundingBox,
      shellCount: 1,
    });
  });

  describe('a torus (R = 10 mm, r = 2 mm)', () => {
    const R = 10;
    const r = 2;
    const analytic = 2 * Math.PI ** 2 * R * r ** 2;

    it.each([
      [8, 3],
      [64, 16],
      [256, 64],
    ])('%i × %i segments: the exact volume of the polyhedron built, below 2π²Rr² by the known factor', (majorSegments, minorSegments) => {
      const options = { majorRadiusMm: R, minorRadiusMm: r, majorSegments, minorSegments };
      const analysis = analyzeTriangleSoup(torus(options));
      // A regular m-gon of circumradius r has area (m/2)·r²·sin(2π/m) and its centroid on the
      // tube's centre line, so the polyhedron's volume has a closed form: the analytic volume times
      // sinc(2π/N)·sinc(2π/m), where sinc(x) = sin(x)/x (< 1: a polygon inscribed in a circle is smaller).
      const sinc = (x: number): number => Math.sin(x) / x;
      const polygonal = analytic * sinc((2 * Math.PI) / majorSegments) * sinc((2 * Math.PI) / minorSegments);
      expect(polygonal).toBeCloseTo(revolvedPolyhedronVolume(torusProfile(options), majorSegments), 9);
      // Float32 vertices move each corner by at most half an ulp (~5e-7 mm here): relative error ~1e-7.
      expect(Math.abs(analysis.volumeMm3 - polygonal) / polygonal).toBeLessThan(1e-6);
      expect(analysis.volumeMm3).toBeLessThan(analytic);
      const area = revolvedPolyhedronArea(torusProfile(options), majorSegments);
      expect(Math.abs(analysis.surfaceAreaMm2 - area) / area).toBeLessThan(1e-6);
      expect(analysis.surfaceAreaMm2).toBeLessThan(4 * Math.PI ** 2 * R * r);
      expect(analysis).toMatchObject({
        triangleCount: 2 * majorSegments * minorSegments,
        vertexCount: majorSegments * minorSegments,
        shellCount: 1,
        issues: [],
        ok: true,
      });
      const heights = torusProfile(options).map(([, z]) => z);
      expect(analysis.boundingBox!.size[2]).toBeCloseTo(Math.max(...heights) - Math.min(...heights), 5);
    });

    it('converges on 2π²Rr²: 256 × 64 segments is within 0.18% (sinc error ≈ (2π/N)²/6 + (2π/m)²/6)', () => {
      const analysis = analyzeTriangleSoup(torus({ majorRadiusMm: R, minorRadiusMm: r, majorSegments: 256, minorSegments: 64 }));
      const predictedRelativeError = ((2 * Math.PI) / 256) ** 2 / 6 + ((2 * Math.PI) / 64) ** 2 / 6;
      expect(predictedRelativeError).toBeLessThan(0.0018);
      const relativeError = (analytic - analysis.volumeMm3) / analytic;
      expect(relativeError).toBeGreaterThan(0);
      expect(relativeError).toBeCloseTo(predictedRelativeError, 5);
    });
  });

  it('a comfort-fit ring: the exact polyhedron volume, its triangle count as predicted, genus 1', () => {
    const options = { innerDiameterMm: 17.3, widthMm: 4, thicknessMm: 1.8, segments: 200 };
    const analysis = analyzeTriangleSoup(ring(options));
    const profile = ringProfile(options);
    const expected = revolvedPolyhedronVolume(profile, 200);
    expect(Math.abs(analysis.volumeMm3 - expected) / expected).toBeLessThan(1e-6);
    expect(analysis.triangleCount).toBe(ringTriangleCount(options));
    expect(analysis.vertexCount - (3 * analysis.triangleCount) / 2 + analysis.triangleCount).toBe(0); // V - E + F
    expect(analysis).toMatchObject({ shellCount: 1, issues: [], ok: true });
  });

  it('a stud earring (closed at the axis by poles): the exact polyhedron volume, genus 0', () => {
    const analysis = analyzeTriangleSoup(earringStud());
    const profile: Vec2[] = [
      [0, -10],
      [0.4, -10],
      [0.4, 0],
    ];
    for (let k = 0; k < 12; k++) profile.push([2.5 * Math.cos((k / 12) * (Math.PI / 2)), 2.5 * Math.sin((k / 12) * (Math.PI / 2))]);
    profile.push([0, 2.5]);
    const expected = revolvedPolyhedronVolume(profile, 48);
    expect(Math.abs(analysis.volumeMm3 - expected) / expected).toBeLessThan(1e-6);
    expect(analysis.vertexCount - analysis.triangleCount / 2).toBe(2); // V - E + F with E = 3F/2
    expect(analysis).toMatchObject({ shellCount: 1, issues: [], ok: true });
  });

  it('a pendant: thickness × (disc polygon − hole polygon), one shell of genus 1', () => {
    const analysis = analyzeTriangleSoup(pendant());
    const { rim, hole } = pendantOutline();
    const expected = 1.5 * (profileArea(rim) - profileArea(hole));
    expect(Math.abs(analysis.volumeMm3 - expected) / expected).toBeLessThan(1e-6);
    expect(analysis.vertexCount - analysis.triangleCount / 2).toBe(0);
    expect(analysis).toMatchObject({ shellCount: 1, issues: [], ok: true });
  });

  it('scaling by k scales volume by k³ and area by k² (powers of two keep it exact)', () => {
    const base = analyzeTriangleSoup(tetrahedron(3));
    const scaled = analyzeTriangleSoup(scale(tetrahedron(3), 4));
    expect(scaled.volumeMm3).toBe(64 * base.volumeMm3);
    expect(scaled.surfaceAreaMm2).toBeCloseTo(16 * base.surfaceAreaMm2, 10);
  });

  it('a model far from the origin keeps its digits: the reference point is on the model', () => {
    // At 10 km from the origin float32 spacing is 1/1024 mm: the cube's corners are still exact.
    const far = analyzeTriangleSoup(cube(8, [10_000_000, 10_000_000, 10_000_000]));
    expect(far.volumeMm3).toBe(512);
    expect(far.surfaceAreaMm2).toBe(384);
  });
});

describe('shells', () => {
  it('two disjoint cubes: 2 shells, refused by default, accepted when the product allows 2 (a pair of earrings)', () => {
    const pair = merge(cube(10), cube(10, [20, 0, 0]));
    const strict = analyzeTriangleSoup(pair);
    expect(strict.shellCount).toBe(2);
    expect(strict.volumeMm3).toBe(2000);
    expect(strict.issues).toEqual([{ code: 'MULTIPLE_SHELLS', severity: 'error', count: 2, message: '2 separate shells, at most 1 allowed' }]);
    expect(strict.ok).toBe(false);
    expect(analyzeTriangleSoup(pair, { maxShells: 2 })).toMatchObject({ shellCount: 2, issues: [], ok: true });
  });

  it('a cube inside a cube (a hollow shell the right way round) is 2 shells with the difference as volume', () => {
    const hollow = merge(cube(10), invert(cube(4, [3, 3, 3])));
    const analysis = analyzeTriangleSoup(hollow, { maxShells: 2 });
    expect(analysis.volumeMm3).toBe(1000 - 64);
    expect(analysis.surfaceAreaMm2).toBe(600 + 96);
    expect(analysis).toMatchObject({ shellCount: 2, issues: [], ok: true });
  });

  it('the earring pair generator is 2 shells', () => {
    expect(analyzeTriangleSoup(earringPair(), { maxShells: 2 })).toMatchObject({ shellCount: 2, ok: true });
  });

  it('two cubes touching along an edge are one non-manifold shell, not two', () => {
    const analysis = analyzeTriangleSoup(merge(cube(10), cube(10, [10, 10, 0])));
    expect(analysis.shellCount).toBe(1);
    expect(codes(analysis)).toEqual(['NON_MANIFOLD_EDGES']);
    expect(analysis.issues[0]).toMatchObject({ count: 1, message: '1 edge is shared by more than 2 faces (non-manifold)' });
  });
});

describe('orientation', () => {
  it('an inside-out cube: volume -1000 mm³, reported as NEGATIVE_VOLUME with the number', () => {
    const analysis = analyzeTriangleSoup(invert(cube(10)));
    expect(analysis.volumeMm3).toBe(-1000);
    expect(analysis.surfaceAreaMm2).toBe(600);
    expect(analysis.issues).toEqual([{ code: 'NEGATIVE_VOLUME', severity: 'error', count: 1, message: 'signed volume is -1000 mm³: the faces point inwards (inverted normals)' }]);
  });

  it('the same through a binary STL file', () => {
    const analysis = analyzeModel(toBinaryStl(invert(translate(cube(10), [5, 5, 5]))));
    expect(analysis).toMatchObject({ format: 'stl-binary', volumeMm3: -1000, ok: false });
    expect(codes(analysis)).toEqual(['NEGATIVE_VOLUME']);
  });
});

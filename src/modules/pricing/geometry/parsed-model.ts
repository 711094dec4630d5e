import { modelIssue, plural, type ModelIssue } from './model-issue';

/** The formats an upload may be in; detected from the bytes, never from a name or Content-Type. */
export type ModelFormat = 'stl-binary' | 'stl-ascii' | 'obj';

/**
 * What every parser produces: a triangle soup, one Float32Array holding 9
 * floats per triangle (3 corners x (x, y, z), in mm, in file order). Stored
 * normals are ignored; orientation comes from the winding, which is what
 * slicers and casters use.
 */
export interface ParsedModel {
  /** null when the bytes are no model at all (see the issues). */
  readonly format: ModelFormat | null;
  readonly positions: Float32Array;
  readonly triangleCount: number;
  /** The triangle count in a binary STL header; null for the text formats. */
  readonly declaredTriangleCount: number | null;
  /** File-level problems: unrecognised format, syntax, truncation, header mismatch, too many triangles, empty. */
  readonly issues: readonly ModelIssue[];
}

/** `countIsLowerBound`: a text parser stops at the first triangle over the limit and cannot know the total. */
export function tooManyTriangles(count: number, limit: number, countIsLowerBound = false): ModelIssue {
  const message = countIsLowerBound
    ? `model has more than ${plural(limit, 'triangle')}, the limit (reading stopped at triangle ${count})`
    : `model has ${plural(count, 'triangle')}, the limit is ${limit}`;
  return modelIssue('TOO_MANY_TRIANGLES', message, count);
}

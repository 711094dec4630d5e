/**
 * What can be wrong with an uploaded 3D model, as data. Geometry code never
 * throws for a bad model: it returns every issue it found, each with a stable
 * code, a count and a message carrying the numbers, and the caller decides
 * (the upload answers 422, pricing cancels the order, the catalogue fails
 * its start-up check).
 */
export const MODEL_ISSUE_CODES = [
  'EMPTY_MODEL',
  'UNRECOGNIZED_FORMAT',
  'SYNTAX_ERROR',
  'TRUNCATED_FILE',
  'TRIANGLE_COUNT_MISMATCH',
  'TOO_MANY_TRIANGLES',
  'NON_FINITE_COORDINATES',
  'DEGENERATE_FACES',
  'OPEN_EDGES',
  'NON_MANIFOLD_EDGES',
  'INCONSISTENT_ORIENTATION',
  'MULTIPLE_SHELLS',
  'NEGATIVE_VOLUME',
  'ZERO_VOLUME',
  'TOO_SMALL',
  'TOO_LARGE',
] as const;

export type ModelIssueCode = (typeof MODEL_ISSUE_CODES)[number];

/** `error` makes a model unusable for manufacturing; `warning` is reported but harmless. */
export type IssueSeverity = 'error' | 'warning';

/**
 * Zero-area faces are the one warning: CAD exporters emit slivers routinely,
 * they add nothing to volume or area, and the edge analysis leaves the
 * collapsed ones out, so they cannot hide or fake a hole.
 */
export const ISSUE_SEVERITY: Readonly<Record<ModelIssueCode, IssueSeverity>> = {
  EMPTY_MODEL: 'error',
  UNRECOGNIZED_FORMAT: 'error',
  SYNTAX_ERROR: 'error',
  TRUNCATED_FILE: 'error',
  TRIANGLE_COUNT_MISMATCH: 'error',
  TOO_MANY_TRIANGLES: 'error',
  NON_FINITE_COORDINATES: 'error',
  DEGENERATE_FACES: 'warning',
  OPEN_EDGES: 'error',
  NON_MANIFOLD_EDGES: 'error',
  INCONSISTENT_ORIENTATION: 'error',
  MULTIPLE_SHELLS: 'error',
  NEGATIVE_VOLUME: 'error',
  ZERO_VOLUME: 'error',
  TOO_SMALL: 'error',
  TOO_LARGE: 'error',
};

export type Vec3 = readonly [number, number, number];

/** Where an issue shows itself, so support can point at it in a viewer. */
export type IssueSample =
  /** A triangle by its 0-based position in the file. */
  | { readonly kind: 'face'; readonly face: number }
  /** An edge by its end points, in mm. */
  | { readonly kind: 'edge'; readonly from: Vec3; readonly to: Vec3 }
  /** A line of a text (ASCII STL, OBJ) file, 1-based. */
  | { readonly kind: 'line'; readonly line: number };

export interface ModelIssue {
  readonly code: ModelIssueCode;
  readonly severity: IssueSeverity;
  readonly message: string;
  /** How many faces, edges, shells... are affected; 1 for file-level issues. */
  readonly count: number;
  /** A few occurrences (at most {@link MAX_ISSUE_SAMPLES}), when they can be located. */
  readonly samples?: readonly IssueSample[];
}

export const MAX_ISSUE_SAMPLES = 5;

export function modelIssue(code: ModelIssueCode, message: string, count = 1, samples?: readonly IssueSample[]): ModelIssue {
  const issue = { code, severity: ISSUE_SEVERITY[code], message, count };
  return samples && samples.length > 0 ? { ...issue, samples } : issue;
}

export function hasErrors(issues: readonly ModelIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** "1 face", "12 faces": messages carry exact numbers and read naturally. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

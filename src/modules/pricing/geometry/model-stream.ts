import { analyzeModel, analyzeParsedModel, withDefaults, type ModelAnalysis } from './analyze';
import type { ModelLimits } from './validate';
import { tooManyTriangles } from './parsed-model';
import {
  BinaryStlStreamDecoder,
  binaryStlCapacity,
  binaryStlLayoutIssues,
  detectModelFormatFromPrefix,
  MODEL_SNIFF_BYTES,
  readDeclaredTriangleCount,
  withEmptyCheck,
} from './stl-parser';

/**
 * Analyses a model as it arrives in chunks (a blob-store download, a file
 * read piece by piece). A binary STL of known length is decoded chunk by
 * chunk, so the file never sits in memory next to its triangles (48 MB less
 * for 1M triangles, and the pages it would have cost); text formats and
 * streams of unknown length are collected and parsed at the end. The caller
 * may reuse a chunk's buffer as soon as `push` returns.
 */
export class ModelStreamAnalyzer {
  private readonly limits: ModelLimits;
  /** Copies of the chunks kept while sniffing, and for formats parsed at the end. */
  private kept: Uint8Array[] = [];
  private keptLength = 0;
  private received = 0;
  private mode: 'sniffing' | 'collecting' | 'decoding' | 'refused' = 'sniffing';
  private decoder: BinaryStlStreamDecoder | null = null;
  private refusedTriangles = 0;

  /** `totalLength`: the exact byte length of the stream when known (blob size, Content-Length). */
  constructor(
    private readonly totalLength?: number,
    limits: Partial<ModelLimits> = {},
  ) {
    this.limits = withDefaults(limits);
  }

  push(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.mode === 'decoding') return this.decoder!.write(chunk);
    if (this.mode === 'refused') return;
    this.keep(chunk);
    if (this.mode === 'sniffing' && this.totalLength !== undefined && this.keptLength >= Math.min(MODEL_SNIFF_BYTES, this.totalLength)) {
      this.decide(this.totalLength);
    }
  }

  finish(): ModelAnalysis {
    if (this.mode === 'refused') {
      // The same issues, in the same order, as parsing the whole file would report.
      const declared = readDeclaredTriangleCount(this.firstBytes(84));
      const issues = [...binaryStlLayoutIssues(declared, this.received), tooManyTriangles(this.refusedTriangles, this.limits.maxTriangles)];
      return analyzeParsedModel(
        { format: 'stl-binary', positions: new Float32Array(0), triangleCount: this.refusedTriangles, declaredTriangleCount: declared, issues },
        this.limits,
      );
    }
    if (this.mode !== 'decoding') return analyzeModel(this.joinKept(), this.limits);
    const decoder = this.decoder!;
    const head = this.firstBytes(84);
    const declared = readDeclaredTriangleCount(head);
    // Issues follow the bytes that arrived, so a stream cut short says so.
    const parsed = withEmptyCheck({
      format: 'stl-binary',
      positions: decoder.result(),
      triangleCount: decoder.decoded,
      declaredTriangleCount: declared,
      issues: binaryStlLayoutIssues(declared, this.received),
    });
    return analyzeParsedModel(parsed, this.limits);
  }

  /** Chooses binary decoding once the first bytes and the total length identify a binary STL. */
  private decide(totalLength: number): void {
    const head = this.joinKept();
    if (detectModelFormatFromPrefix(head, totalLength) !== 'stl-binary' || head.length < 84) {
      this.mode = 'collecting';
      return;
    }
    const { held } = binaryStlCapacity(totalLength);
    if (held > this.limits.maxTriangles) {
      this.mode = 'refused';
      this.refusedTriangles = held;
    } else {
      this.mode = 'decoding';
      this.decoder = new BinaryStlStreamDecoder(held);
      this.decoder.write(head);
    }
    this.kept = [head.subarray(0, 84)];
    this.keptLength = 84;
  }

  private keep(chunk: Uint8Array): void {
    this.kept.push(Uint8Array.prototype.slice.call(chunk));
    this.keptLength += chunk.length;
  }

  private joinKept(): Uint8Array {
    if (this.kept.length === 1) return this.kept[0]!;
    const joined = Buffer.concat(this.kept, this.keptLength);
    this.kept = [joined];
    return joined;
  }

  private firstBytes(count: number): Uint8Array {
    return this.joinKept().subarray(0, count);
  }
}

/** Analyses a model from any (async) iterable of chunks, e.g. a Node Readable from blob storage. */
export async function analyzeModelStream(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  totalLength?: number,
  limits: Partial<ModelLimits> = {},
): Promise<ModelAnalysis> {
  const analyzer = new ModelStreamAnalyzer(totalLength, limits);
  for await (const chunk of chunks) analyzer.push(chunk);
  return analyzer.finish();
}

import { assertCheckpointBelongs, CheckpointStoreMismatchError, checkpointProblem } from './checkpoint-store';

describe('checkpointProblem', () => {
  const kurrentdb = { name: 'kurrentdb', head: 5_000n };

  it('accepts a checkpoint without a position (nothing consumed yet), whatever store', () => {
    expect(checkpointProblem('projector', { position: null, eventStore: null }, kurrentdb)).toBeNull();
    expect(checkpointProblem('projector', { position: null, eventStore: 'postgres' }, kurrentdb)).toBeNull();
  });

  it('accepts a checkpoint of this store at or before its head', () => {
    expect(checkpointProblem('projector', { position: 5_000n, eventStore: 'kurrentdb' }, kurrentdb)).toBeNull();
    expect(checkpointProblem('projector', { position: 12n, eventStore: 'kurrentdb' }, kurrentdb)).toBeNull();
  });

  it("refuses another store's checkpoint, even one that would fit below the head", () => {
    const problem = checkpointProblem('pricing-jobs', { position: 42n, eventStore: 'postgres' }, kurrentdb);

    expect(problem).toMatch(/^pricing-jobs: its checkpoint \(position 42\) was recorded on the 'postgres' event store, but this app now runs on 'kurrentdb'/);
    expect(problem).toMatch(/docs\/OPERATIONS.md/);
  });

  it('refuses a checkpoint past the head, or any checkpoint on an empty store', () => {
    expect(checkpointProblem('projector', { position: 5_001n, eventStore: 'kurrentdb' }, kurrentdb)).toMatch(/lies past the newest event .* \(position 5000\)/);
    expect(checkpointProblem('projector', { position: 1n, eventStore: null }, { name: 'kurrentdb', head: undefined })).toMatch(/it is empty/);
  });

  it('throws a typed error through assertCheckpointBelongs', () => {
    expect(() => assertCheckpointBelongs('projector', { position: 1n, eventStore: 'postgres' }, kurrentdb)).toThrow(CheckpointStoreMismatchError);
  });
});

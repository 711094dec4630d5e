// The recovery suite (issue 16): real PostgreSQL primaries, standbys and backups started by the tests
// themselves from the embedded binaries (test/support/postgres-cluster.ts); the machine's server on 5432
// is not touched. `npm run test:recovery`, run by .ci/run; never part of `npm test`.
module.exports = {
  rootDir: '../..',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/recovery/**/*.recovery.spec.ts'],
  testTimeout: 300_000,
};

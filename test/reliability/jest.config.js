// The destructive reliability suite (replicas killed, PostgreSQL restarted): `npm run test:reliability`,
// run by .ci/run against 127.0.0.1:5432; never part of `npm test`. The graceful-shutdown and outage
// tests next to it are ordinary *.e2e.spec.ts files and run with the e2e project.
const base = require('../../jest.config.js');

module.exports = {
  rootDir: '../..',
  globalSetup: base.globalSetup,
  globalTeardown: base.globalTeardown,
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/reliability/**/*.reliability.spec.ts'],
  testTimeout: 300_000,
};

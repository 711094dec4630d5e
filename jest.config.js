// One glob per level: *.unit.spec.ts (pure), *.int.spec.ts (real PostgreSQL),
// *.e2e.spec.ts (the running app over HTTP). `npm test -- --selectProjects unit`.
const transform = { '^.+\\.ts$': ['@swc/jest'] };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{src,test}/**/*.unit.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{src,test}/**/*.int.spec.ts'], slowTestThreshold: 20 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/{src,test}/**/*.e2e.spec.ts'], slowTestThreshold: 30 },
  ],
  testTimeout: 60_000,
};

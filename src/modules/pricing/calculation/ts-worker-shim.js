// Loads the TypeScript worker when the app runs from sources (jest), where no
// compiled pricing.worker.js exists: compiles .ts files with @swc/core on require.
'use strict';
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

if (!require.extensions['.ts']) {
  require.extensions['.ts'] = (module, filename) => {
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      sourceMaps: 'inline',
      module: { type: 'commonjs', strictMode: true },
      jsc: { target: 'es2023', keepClassNames: true, parser: { syntax: 'typescript', decorators: true } },
    });
    module._compile(code, filename);
  };
}

module.exports = require('./pricing.worker.ts');

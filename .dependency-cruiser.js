// @ts-check
/**
 * The import rules of ARCHITECTURE.md ("Shape", rules of the house), checked by `npm run lint:deps`
 * (dependency-cruiser) in .ci/run. Layers, bottom up:
 *   kernel (src/shared/order-lifecycle)  pure domain: imports nothing of ours, no framework, no I/O
 *   config (src/config)                  imports only the kernel
 *   infrastructure (src/infrastructure)  adapters and registries; imports config and the kernel, never what is above
 *   order commands (src/shared/order-commands)  the application service the modules share
 *   projections (src/projections)        the read side; never a module or the order commands
 *   modules (src/modules/<name>)         each other only through <name>/index.ts, and without cycles
 *   composition root                     main.ts, app.module.ts, app.factory.ts, tracing.ts, migrations.ts and
 *                                        src/cli/*: process entry points and wiring, may import everything
 * test/ and bench/ are not checked: they drive the app from outside and may reach anything.
 */

const KERNEL = '^src/shared/order-lifecycle/';
const CONFIG = '^src/config/';
const INFRASTRUCTURE = '^src/infrastructure/';
const ORDER_COMMANDS = '^src/shared/order-commands/';
const PROJECTIONS = '^src/projections/';
const MODULES = '^src/modules/';
const COMPOSITION_ROOT = '^src/(main|app\\.module|app\\.factory|tracing|migrations)\\.ts$|^src/cli/';
const SPEC = '\\.spec\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-nothing',
      comment: 'The shared kernel is pure TypeScript: no import of ours from outside it, no framework, no I/O (ARCHITECTURE.md).',
      severity: 'error',
      from: { path: KERNEL, pathNot: SPEC },
      to: { pathNot: KERNEL },
    },
    {
      name: 'kernel-specs-stay-in-the-kernel',
      comment: "The kernel's tests run without a database or the app: they may use Node's own modules, nothing else of ours.",
      severity: 'error',
      from: { path: '^src/shared/order-lifecycle/.*\\.spec\\.ts$' },
      to: { path: '^(src|test|bench)/', pathNot: KERNEL },
    },
    {
      name: 'config-imports-only-the-kernel',
      comment: 'Configuration sits under infrastructure: it may name order statuses, nothing else of ours.',
      severity: 'error',
      from: { path: CONFIG },
      to: { path: '^src/', pathNot: [CONFIG, KERNEL] },
    },
    {
      name: 'infrastructure-points-down',
      comment:
        'Dependencies point down: infrastructure imports no module, projection, order command or composition root. ' +
        'It offers registries (migrations, metrics, readiness) that the layers above register with.',
      severity: 'error',
      from: { path: INFRASTRUCTURE },
      to: { path: '^src/', pathNot: [INFRASTRUCTURE, CONFIG, KERNEL] },
    },
    {
      name: 'order-commands-point-down',
      comment: 'The shared order command service is used by modules; it imports no module, projection or composition root.',
      severity: 'error',
      from: { path: ORDER_COMMANDS },
      to: { path: '^src/', pathNot: [ORDER_COMMANDS, INFRASTRUCTURE, CONFIG, KERNEL] },
    },
    {
      name: 'projections-import-no-module',
      comment: 'The read side folds events; it imports no module, order command or composition root.',
      severity: 'error',
      from: { path: PROJECTIONS },
      to: { path: '^src/', pathNot: [PROJECTIONS, INFRASTRUCTURE, CONFIG, KERNEL] },
    },
    {
      name: 'modules-import-no-composition-root',
      comment: 'The composition root wires the modules; a module that imported it would depend on every other module.',
      severity: 'error',
      from: { path: MODULES },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: 'modules-meet-through-index',
      comment: 'A module uses another only through what that module exports from its index.ts, never its files or folders (ARCHITECTURE.md).',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: MODULES, pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'one-way-to-run-an-order-command',
      comment:
        'Every order command, from a route, a job or a webhook, goes through OrderCommands (order-commands.service.ts), ' +
        'which stamps it and checks access; the load-decide-append engine behind it is used by nothing else (ARCHITECTURE.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/shared/order-commands/order-commands\\.(service|module)\\.ts$', SPEC] },
      to: { path: '^src/shared/order-commands/order-command\\.executor\\.ts$' },
    },
    {
      name: 'order-commands-throw-domain-errors',
      comment:
        'The order command service and the model upload refuse with domain errors; only the translators registered with the ' +
        'one exception filter (error-mapping.ts) turn them into HTTP answers (ARCHITECTURE.md).',
      severity: 'error',
      from: {
        path: [ORDER_COMMANDS, '^src/modules/shop/model-upload/model-upload\\.service\\.ts$'],
        pathNot: ['^src/shared/order-commands/order-error-translator\\.ts$', SPEC],
      },
      to: { path: '^src/infrastructure/http/api-error\\.ts$' },
    },
    {
      name: 'projections-through-index',
      comment: "Modules read the projections' tables through what src/projections/index.ts exports.",
      severity: 'error',
      from: { path: [MODULES, ORDER_COMMANDS] },
      to: { path: PROJECTIONS, pathNot: '^src/projections/index\\.ts$' },
    },
    {
      name: 'no-module-cycles',
      comment:
        'Modules (and the projections) depend on each other in one direction only. Checked per folder: with every ' +
        "cross-module import going through a module's index.ts, a cycle between two modules is a cycle between their folders.",
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/(modules/[^/]+|projections)$' },
      to: { path: '^src/(modules/[^/]+|projections)$', circular: true },
    },
    {
      name: 'no-circular',
      comment: 'No file imports itself through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-code-imports-no-test-code',
      comment: 'Test helpers (test/, bench/, the kernel fixtures in testing.ts) never ship in the app.',
      severity: 'error',
      from: { path: '^src/', pathNot: SPEC },
      to: { path: ['^test/', '^bench/', '^src/shared/order-lifecycle/testing\\.ts$'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the checker cannot resolve would escape every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type from above is an upward dependency too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

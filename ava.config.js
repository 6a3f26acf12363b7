import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// ava's settings (moved here from package.json for sortTestFiles, which must be a function).
//
// `npm test` (AIN_COMPILED=1, after `npm run check` compiled everything into dist/) runs the
// compiled test files: each file's process then loads plain JavaScript instead of compiling the
// project's TypeScript through tsx again, about a second of CPU less per file. The files are
// those of test/ (a stale file left in dist/ by a deleted test never runs). Run one file from
// its source with `npx ava test/x.test.ts` (no AIN_COMPILED): tsx compiles it as before.
//
// Files run two at a time (ava's concurrency on CI and on these 2-core machines). They start
// heaviest first — the ones that build images, run networks of processes or a broker — and the
// many short unit files fill in behind them, so no long file starts last and runs alone: the
// whole run takes about the sum of the work over two, not that plus the last long file.
const heaviest = [
  'test/runtime/deploy/deploy.e2e.test.ts',
  'test/runtime/cli/upCommand.e2e.test.ts',
  // Not beside deploy.e2e at the start: both would import the same node image at once.
  'test/runtime/deploy/deployScaleAgents.e2e.test.ts',
  'test/runtime/node/shardReporter.e2e.test.ts',
  'test/runtime/cli/cli.e2e.test.ts',
  'test/runtime/agents/sampleSession.docker.int.test.ts',
  'test/runtime/cli/readmeTour.e2e.test.ts',
  'test/web/dashboard.e2e.test.ts',
  'test/runtime/consensus/proposerCrash.e2e.test.ts',
  'test/runtime/node/kafkaNodes.int.test.ts',
  'test/runtime/consensus/evidence.e2e.test.ts',
  'test/log/store/kafkaLog.int.test.ts',
  'test/runtime/node/kafkaFaults.int.test.ts',
  'test/runtime/node/kafkaCluster.int.test.ts',
  'test/runtime/consensus/follower.e2e.test.ts',
  'test/examples/dataparallel.e2e.test.ts',
];

/** Known heavy files first, in that order; then every other e2e and integration file; then the rest. */
const weight = (file) => {
  const source = file.replace(/\.js$/, '.ts');
  const known = heaviest.findIndex((name) => source.endsWith(name));
  if (known >= 0) return known;
  return /\.(e2e|int)\.test\.ts$/.test(source) ? heaviest.length : heaviest.length + 1;
};

const compiled = process.env.AIN_COMPILED === '1';
const compiledFiles = () =>
  readdirSync('test', { recursive: true })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join('dist', 'test', file.replace(/\.ts$/, '.js')));

export default {
  ...(compiled ? { files: compiledFiles() } : { extensions: { ts: 'module' }, nodeArguments: ['--import=tsx'], files: ['test/**/*.test.ts'] }),
  require: [compiled ? './dist/test/fastCheckSetup.js' : './test/fastCheckSetup.ts'],
  workerThreads: false,
  timeout: '120s',
  sortTestFiles: (a, b) => weight(a) - weight(b) || a.localeCompare(b, [], { numeric: true }),
};

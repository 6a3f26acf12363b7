// ava's settings (moved here from package.json for sortTestFiles, which must be a function).
//
// Files run two at a time (ava's concurrency on CI and on these 2-core machines). They start
// heaviest first — the ones that build images, run networks of processes or a broker — and the
// many short unit files fill in behind them, so no long file starts last and runs alone: the
// whole run takes about the sum of the work over two, not that plus the last long file.
const heaviest = [
  'test/runtime/deploy/deploy.e2e.test.ts',
  'test/runtime/cli/upCommand.e2e.test.ts',
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
];

/** Known heavy files first, in that order; then every other e2e and integration file; then the rest. */
const weight = (file) => {
  const known = heaviest.findIndex((name) => file.endsWith(name));
  if (known >= 0) return known;
  return /\.(e2e|int)\.test\.ts$/.test(file) ? heaviest.length : heaviest.length + 1;
};

export default {
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  files: ['test/**/*.test.ts'],
  timeout: '120s',
  sortTestFiles: (a, b) => weight(a) - weight(b) || a.localeCompare(b, [], { numeric: true }),
};

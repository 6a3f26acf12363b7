// The state tree's figures: rule-checked set_value throughput on trees of 10^3, 10^5
// and 10^6 keys and their cost ratio, root recomputation after a block of 1,000 writes, proofs,
// snapshot save and load at 10^6 keys, and memory per key.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadStateTree, verifyProof, type StateSnapshot } from '../projections/index.ts';
import { median, type Figure } from './measure.ts';
import { applyAll, buildTree, prng, setOps, type BenchTree } from './stateFixtures.ts';

const opsPerRun = 150_000;
const blockOps = 1000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function timeMs(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** Median set_value ops/s over 4 runs (1 warm-up), root() between runs outside the timing. */
function setRate(bench: BenchTree): { rate: number; samples: number[] } {
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) {
    const stream = setOps(bench, opsPerRun, run + 1);
    const ms = timeMs(() => applyAll(bench.tree, stream));
    bench.tree.root();
    if (run > 0) samples.push((opsPerRun * 1000) / ms);
  }
  return { rate: median(samples), samples };
}

/** Median time of root() after blocks of 1,000 writes. */
function rootAfterBlock(bench: BenchTree): number {
  const samples: number[] = [];
  for (let block = 0; block < 12; block++) {
    applyAll(bench.tree, setOps(bench, blockOps, 100 + block));
    samples.push(timeMs(() => bench.tree.root()));
  }
  return median(samples.slice(2));
}

function proofFigures(bench: BenchTree): Figure[] {
  const count = 1000;
  const next = prng(7);
  const paths = Array.from(
    { length: count },
    () => `/apps/bench/users/${bench.users[Math.floor(next() * bench.users.length)]!}/k${Math.floor(next() * bench.keysPerUser)}`,
  );
  const root = bench.tree.root();
  const values = paths.map((p) => bench.tree.get(p));
  let proofs: ReturnType<typeof bench.tree.proof>[] = [];
  const makeMs = timeMs(() => {
    proofs = paths.map((p) => bench.tree.proof(p));
  });
  let good = 0;
  const verifyMs = timeMs(() => {
    for (let i = 0; i < count; i++) if (verifyProof(root, paths[i]!, values[i], proofs[i]!)) good++;
  });
  if (good !== count) throw new Error(`${count - good} proofs did not verify`);
  const bytes = JSON.stringify(proofs[0]).length;
  return [
    {
      name: 'state.proof.make',
      value: (count * 1000) / makeMs,
      unit: 'proofs/s',
      note: `10^6 keys, ${bench.keysPerUser} children in each of 2 wide nodes on the path, ~${bytes} bytes of JSON per proof`,
    },
    { name: 'state.proof.verify', value: (count * 1000) / verifyMs, unit: 'proofs/s', note: 'node:crypto SHA-256' },
  ];
}

function snapshotFigures(bench: BenchTree): Figure[] {
  let text = '';
  const saveMs = timeMs(() => {
    text = JSON.stringify(bench.tree.snapshot());
  });
  let root = '';
  const loadMs = timeMs(() => {
    root = loadStateTree(JSON.parse(text) as StateSnapshot).root();
  });
  if (root !== bench.tree.root()) throw new Error('the loaded snapshot has another root');
  return [
    { name: 'state.snapshot.save.1e6', value: saveMs, unit: 'ms', note: 'snapshot() + JSON.stringify' },
    { name: 'state.snapshot.load.1e6', value: loadMs, unit: 'ms', note: 'JSON.parse + loadStateTree (rebuild, rehash every node, check the root)' },
    { name: 'state.snapshot.size.1e6', value: text.length / 1e6, unit: 'MB', note: 'JSON text' },
  ];
}

export async function benchState(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const rates: Record<string, number> = {};
  for (const [name, keys] of [
    ['1e3', 1e3],
    ['1e5', 1e5],
  ] as const) {
    const bench = buildTree(keys);
    const { rate, samples } = setRate(bench);
    rates[name] = rate;
    figures.push({
      name: `state.set.${name}`,
      value: rate,
      unit: 'ops/s',
      samples,
      note: `set_value with a rule check (${bench.users.length} users × ${bench.keysPerUser} keys)`,
    });
  }
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const big = buildTree(1e6);
  gc();
  const bytesPerKey = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const { rate, samples } = setRate(big);
  figures.push({
    name: 'state.set.1e6',
    value: rate,
    unit: 'ops/s',
    samples,
    note: `set_value with a rule check (${big.users.length} users × ${big.keysPerUser} keys)`,
  });
  figures.push({ name: 'state.set.ratio', value: rates['1e3']! / rate, unit: 'x', note: 'per-op cost at 10^6 keys / at 10^3 keys (target ≤ 2)' });
  figures.push({ name: 'state.root.block1000.1e6', value: rootAfterBlock(big) * 1000, unit: 'µs', note: 'root() after a block of 1,000 writes on 10^6 keys' });
  figures.push(...proofFigures(big));
  figures.push(...snapshotFigures(big));
  figures.push({
    name: 'state.memory.perKey',
    value: bytesPerKey,
    unit: 'bytes',
    note: 'heap growth per key building the 10^6-key tree (values, hashes, labels)',
  });
  return figures;
}

// One target in a child process of the runner (`npm run fuzz`), with a watchdog thread beside it:
// the target runs on this process's main thread and ticks shared counters per input; when one
// input (or setup, or finish) runs past its limit, the watchdog says which and kills the process,
// whatever the stuck code is doing. The report goes back to the runner over IPC.
import { Worker } from 'node:worker_threads';
import { runTarget, type RunOptions } from './harness.ts';
import { targetLoaders } from './targets.ts';

export const phases = ['setup', 'inputs', 'shrink', 'finish'] as const;
/** What the watchdog writes to stderr before it kills a stuck target. */
export const stuckMarker = 'FUZZ-STUCK ';

export interface ChildInput {
  readonly name: string;
  readonly options: Omit<RunOptions, 'onInput' | 'onPhase'>;
  /** An input, or shrinking, stuck this long is stopped. */
  readonly hangMs: number;
  /** Setup and finish (a node starting, an audit) stuck this long are stopped. */
  readonly phaseMs: number;
}

// Plain JavaScript, so the thread needs no loader. Counters: [heartbeat, input index, phase].
const watchdog = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const view = new Int32Array(workerData.counters);
let last = -1, since = Date.now();
setInterval(() => {
  const beat = Atomics.load(view, 0) + 1e6 * Atomics.load(view, 2);
  if (beat !== last) { last = beat; since = Date.now(); return; }
  const phase = Atomics.load(view, 2);
  const limit = phase === 1 || phase === 2 ? workerData.hangMs : workerData.phaseMs;
  if (Date.now() - since <= limit) return;
  writeSync(2, '\\n' + workerData.marker + JSON.stringify({ index: Atomics.load(view, 1), phase, ms: Date.now() - since }) + '\\n');
  // The target's own children first (a node, a peer of the peer target), which would outlive it.
  try { require('node:child_process').execFileSync('pkill', ['-KILL', '-P', String(process.pid)]); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, 500);
`;

async function main(input: ChildInput): Promise<void> {
  const counters = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  const view = new Int32Array(counters);
  const dog = new Worker(watchdog, { eval: true, workerData: { counters, hangMs: input.hangMs, phaseMs: input.phaseMs, marker: stuckMarker } });
  dog.unref();
  const target = await targetLoaders[input.name]!();
  const report = await runTarget(target, {
    ...input.options,
    onInput: (index) => {
      Atomics.add(view, 0, 1);
      if (index >= 0) Atomics.store(view, 1, index);
    },
    onPhase: (phase) => Atomics.store(view, 2, phases.indexOf(phase)),
  });
  process.send!(report, () => process.exit(0));
}

/** Set in the environment of the processes the runner forks: only they wait for a target to run. */
export const childFlag = 'AIN_FUZZ_CHILD';

if (process.env[childFlag] === '1' && process.send !== undefined) process.once('message', (input: ChildInput) => void main(input));

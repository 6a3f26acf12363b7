import { spawn } from 'node:child_process';
import test from 'ava';

import { openFileLog } from '../../../log/store/index.ts';
import { removeDir, scriptPath, tempDir } from './helpers.ts';

// A process crash, not a power cut: SIGKILL leaves the page cache to the kernel, so this proves
// the writer never acknowledges before writing, that reopening recovers whatever tail the kill
// left, and that the lock is taken over; what fsync buys against a power cut is pinned by
// logWriter.test.ts (no ack before the fsync) and the torn-tail tests on real files.
const KILLS = 30;
const READY_TIMEOUT_MS = 20_000;

interface Run {
  readonly acks: { offset: number; id: string }[];
  readonly recovered: string[];
  readonly readyOffset: number;
}

/** Starts crashWriter.ts, SIGKILLs it `killAfterMs` after it reports ready, collects its acks. */
function runAndKill(dir: string, runId: number, killAfterMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...scriptPath('crashWriter.ts'), dir, String(runId)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: { offset: number; id: string }[] = [];
    const recovered: string[] = [];
    let readyOffset = Number.NaN;
    let pending = '';
    let stderr = '';
    const notReady = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? ''; // a line cut by the kill has no newline: not counted as an ack
      for (const line of lines) {
        const [kind, first, second] = line.split(' ');
        if (kind === 'ack' && first !== undefined && second !== undefined) acks.push({ offset: Number(first), id: second });
        else if (kind === 'recovered') recovered.push(line.slice('recovered '.length));
        else if (kind === 'ready') {
          readyOffset = Number(first);
          clearTimeout(notReady);
          setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(notReady);
      if (signal === 'SIGKILL' && !Number.isNaN(readyOffset)) resolve({ acks, recovered, readyOffset });
      else reject(new Error(`crashWriter run ${runId} ended with code ${code}, signal ${signal}: ${stderr}`));
    });
  });
}

test('fileLog crash: every acknowledged record survives 30 SIGKILLs, in order, once', async (t) => {
  const dir = await tempDir('ain-log-crash-');
  try {
    const acked = new Map<number, string>();
    const problems: string[] = [];
    let highestAcked = -1;
    const recoveries: string[] = [];
    for (let run = 0; run < KILLS; run++) {
      const { acks, recovered, readyOffset } = await runAndKill(dir, run, 20 + Math.floor(Math.random() * 131));
      recoveries.push(...recovered);
      // Everything acknowledged before this run must still be there when it opened.
      if (readyOffset < highestAcked) problems.push(`run ${run} opened at ${readyOffset}, below acknowledged offset ${highestAcked}`);
      for (const { offset, id } of acks) {
        if (acked.has(offset)) problems.push(`offset ${offset} acknowledged twice`);
        acked.set(offset, id);
        highestAcked = Math.max(highestAcked, offset);
      }
    }
    t.log(`${KILLS} kills, ${acked.size} acknowledged records, ${recoveries.length} torn tails cut`);
    t.true(acked.size > 0);

    const log = await openFileLog({ dir });
    try {
      const records = await log.read(0);
      t.is(records.length, log.lastOffset() + 1);
      const ids = records.map((record) => new TextDecoder().decode(record.value).split(' ')[0] ?? '');
      for (const [offset, id] of acked) {
        if (ids[offset] !== id) problems.push(`acknowledged ${id} at offset ${offset}, found ${ids[offset]}`);
      }
      t.is(new Set(ids).size, ids.length, 'no record is duplicated');
      // Within one writer of one run, sequence numbers rise with the offset: order as acknowledged.
      const lastSeq = new Map<string, number>();
      for (const id of ids) {
        const [run, writer, seq] = id.split('.');
        const key = `${run}.${writer}`;
        if (Number(seq) <= (lastSeq.get(key) ?? -1)) problems.push(`${id} is out of order`);
        lastSeq.set(key, Number(seq));
      }
      t.deepEqual(problems.slice(0, 20), []);
      const next = log.lastOffset() + 1;
      t.deepEqual(await log.append([new TextEncoder().encode('after the crashes')]), [next]);
    } finally {
      await log.close();
    }
  } finally {
    await removeDir(dir);
  }
});

import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// The verify pool's threads take the process's module loaders (tsx) but not its V8 and process
// flags: a node started with heap or tracing flags (which a worker thread refuses) still verifies.
test('a process started with V8 heap and GC flags still starts its verify threads and verifies', async (t) => {
  const script = `
    import { createVerifyPool } from './runtime/ingest/index.ts';
    import { keyPairFromSeed, signTx } from './log/index.ts';
    const pool = createVerifyPool({ threads: 2, chain: 'ain-local' });
    const tx = signTx({ key: keyPairFromSeed('22'.repeat(32)), op: { type: 'set_value', path: '/apps/x', value: 1 }, nonce: 1, time: 1 });
    const [checked] = await pool.verify([JSON.stringify(tx)]);
    await pool.close();
    console.log('hash' in checked ? 'verified' : checked.code);
  `;
  const root = process.cwd();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--max-semi-space-size=32', '--max-old-space-size=2048', '--trace-gc', '--import=tsx', '--input-type=module', '-e', script],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  t.regex(stdout, /^verified$/m);
});

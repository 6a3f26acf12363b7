import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callNode, decryptBlob, encryptedBlobOf, getSmallBlob, isEncryptedInput, reserveStorageOn } from '../../../runtime/client/index.ts';
import { examplePrograms, makeDataset, startExampleJob, startExampleNode } from '../../../runtime/examples/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import { generateKeyPair } from '../../../log/index.ts';

// Encrypted data in Big Storage (the architecture paper: "For the clients who want to encrypt the
// uploaded data, Big Storage and Blockchain Protocol will provide … secure ways to share the
// decryption keys only with those involved"): `ain requestJob --encrypt --encrypt-blob data=FILE`
// puts the file in Big Storage encrypted under the request's key, names it in the encrypted input
// and seals the key to each node that takes the request; the loss example's workers open both and
// train, while the blob anyone may fetch is ciphertext.

const ainBin = join(process.cwd(), 'bin', 'ain.js');
function ain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ainBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('ain requestJob --encrypt --encrypt-blob: the workers train on data only they can open; the stored blob and the input are ciphertext', async (t) => {
  t.timeout(150_000);
  // A request settles when its claim window ends after the ranking (the client does not accept early here).
  const network = await startExampleNode(() => undefined, { jobs: { claimWindowMs: 2000 } });
  try {
    const programs = await examplePrograms(
      'loss',
      { worker: { service: 'Worker', rpc: 'Descend' }, evaluator: { service: 'Evaluator', rpc: 'RankByLoss' } },
      {
        'heldout.json': JSON.stringify(makeDataset(2, 64)),
      },
    );
    const job = await startExampleJob(network, { programs, workers: 2, inputBlobs: true, timeLimitMs: 4000 });
    try {
      // The client buys room for its data on the node, as any uploader does.
      await reserveStorageOn({ nodeUrl: network.nodeUrl, key: job.client, bytes: 1 << 20, ttlMs: 3_600_000 });
      const dir = network.dataDir;
      const keyFile = join(dir, 'client.key');
      await writeKeyFile(keyFile, job.client);
      const rowsFile = join(dir, 'rows.json');
      await writeFile(rowsFile, JSON.stringify(makeDataset(1, 64)));
      const request = JSON.stringify({
        job_id: job.job,
        job_input: { seed: 7, steps: 20, learning_rate: 0.5 },
        reward: ['1', '4'],
        reward_function: 'even',
        time_limit: job.timeLimitMs,
      });
      const run = await ain([
        'requestJob',
        request,
        '--encrypt',
        '--encrypt-blob',
        `data=${rowsFile}`,
        '--key',
        keyFile,
        '--node',
        network.nodeUrl,
        '--wait-ms',
        '90000',
      ]);
      t.is(run.code, 0, run.stdout + run.stderr);
      t.regex(run.stdout, /rows\.json is in Big Storage encrypted, as blob:\/\/sha256:[0-9a-f]{64} \(the input's data\)/);
      t.regex(run.stdout, /settled/);
      const id = /Request ID is ([0-9a-f]{64})/.exec(run.stdout)![1]!;
      const view = await callNode<{ input: unknown; ranking: string[]; results: Record<string, { train_loss: number }> }>(
        network.nodeUrl,
        'GET',
        `/v1/jobs/${id}`,
      );
      t.true(isEncryptedInput(view.input), 'the ledger holds the input as ciphertext');
      t.is(view.ranking.length, 2, 'both workers opened the data and trained');
      t.true(
        Object.values(view.results).every((r) => r.train_loss < 0.05),
        JSON.stringify(view.results),
      );
      const shared = await callNode<{ value: Record<string, unknown> | null }>(network.nodeUrl, 'GET', `/v1/state/jobs/sharedKeys/${id}`);
      t.is(Object.keys(shared.value ?? {}).length, 3, 'the key went, sealed, to the evaluator and both workers');
      // A stranger may fetch the blob (its readers are anyone) and gets only the envelope.
      const ref = /as (blob:\/\/sha256:[0-9a-f]{64})/.exec(run.stdout)![1]!;
      const stored = await getSmallBlob({ nodeUrl: network.nodeUrl, ref, key: generateKeyPair() });
      const envelope = encryptedBlobOf(stored);
      t.truthy(envelope);
      t.false(new TextDecoder().decode(stored).includes('"rows"'), 'no plaintext rows in the stored blob');
      t.throws(() => decryptBlob(envelope!, Buffer.alloc(32), job.job), { code: 'DECRYPT_FAILED' } as never);
    } finally {
      await job.stop();
    }
  } finally {
    await network.stop();
  }
});

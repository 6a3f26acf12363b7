import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generateKeyPair, programHashOf, testDataCommitmentOf } from '../../../log/index.ts';
import { sampleJobPrograms } from '../../../runtime/agents/index.ts';
import { getJob } from '../../../runtime/client/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';

// `ain binaries hash|sign`, `ain registerJob --binaries` and `ain publishBinaries` against a dev node.

const ain = join(process.cwd(), 'bin', 'ain.js');
const programs = join(process.cwd(), 'examples', 'root', 'programs.json');
const admin = generateKeyPair();
const stranger = generateKeyPair();
let node: AinNode;
let dir: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [ain, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-binaries-'));
  node = await startNode({
    config: await loadConfig({ flags: { dataDir: join(dir, 'node'), port: 0, verifyThreads: 1, block: { intervalMs: 50 } } }),
    logger: pino({ level: 'silent' }),
  });
  await writeKeyFile(join(dir, 'admin.key'), admin);
  await writeKeyFile(join(dir, 'stranger.key'), stranger);
});
test.after.always(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('hash the sample’s programs, sign them, register a job with them, publish version 2; a stranger may not', async (t) => {
  const hashed = await run(['binaries', 'hash', programs, '--json']);
  t.is(hashed.code, 0, hashed.stderr);
  const sample = await sampleJobPrograms();
  const expected = {
    worker: programHashOf({ command: sample.worker.command, args: sample.worker.args, files: sample.files }),
    evaluator: programHashOf({ command: sample.evaluator.command, args: sample.evaluator.args, files: sample.files }),
  };
  t.deepEqual(JSON.parse(hashed.stdout), expected, 'the hashes the sample agents check their programs against');

  const repository = 'https://github.com/ainblockchain/ain/tree/main/examples/root';
  const v1 = join(dir, 'v1.json');
  const signed = await run([
    'binaries',
    'sign',
    programs,
    '--repository',
    repository,
    '--version',
    '1',
    '--key',
    join(dir, 'admin.key'),
    '--node',
    node.url,
    '--out',
    v1,
  ]);
  t.is(signed.code, 0, signed.stderr);
  t.regex(signed.stdout, /Signed version 1 of the binaries for chain ain-local as 0x/);
  const registered = await run([
    'registerJob',
    join(process.cwd(), 'examples', 'root', 'job_schema.proto'),
    '--binaries',
    v1,
    '--key',
    join(dir, 'admin.key'),
    '--node',
    node.url,
    '--json',
  ]);
  t.is(registered.code, 0, registered.stderr);
  const { id: job } = JSON.parse(registered.stdout) as { id: string };
  const answer = await getJob({ url: node.url }, { id: job });
  t.like(answer.binaries, { repository, version: 1, ...expected, pub: admin.publicKey });
  t.deepEqual(answer.binaryVersions, [1]);

  const v2 = join(dir, 'v2.json');
  t.is(
    (
      await run([
        'binaries',
        'sign',
        programs,
        '--repository',
        repository,
        '--version',
        '2',
        '--key',
        join(dir, 'admin.key'),
        '--chain',
        'ain-local',
        '--out',
        v2,
      ])
    ).code,
    0,
  );
  const published = await run(['publishBinaries', job, '--binaries', v2, '--key', join(dir, 'admin.key'), '--node', node.url]);
  t.is(published.code, 0, published.stderr);
  t.regex(published.stdout, new RegExp(`Published version 2 of job ${job}'s binaries \\(block \\d+\\)`));
  t.deepEqual((await getJob({ url: node.url }, { id: job })).binaryVersions, [1, 2]);

  const again = await run(['publishBinaries', job, '--binaries', v2, '--key', join(dir, 'admin.key'), '--node', node.url]);
  t.is(again.code, 1);
  t.regex(again.stderr, /^error BAD_BINARY_VERSION: .*version 2 of its binaries in force/);
  const v3 = join(dir, 'v3.json');
  await run([
    'binaries',
    'sign',
    programs,
    '--repository',
    repository,
    '--version',
    '3',
    '--key',
    join(dir, 'stranger.key'),
    '--chain',
    'ain-local',
    '--out',
    v3,
  ]);
  const foreign = await run(['publishBinaries', job, '--binaries', v3, '--key', join(dir, 'stranger.key'), '--node', node.url]);
  t.regex(foreign.stderr, /^error NOT_ALLOWED: Only job .*'s admin/);
  const forged = await run(['publishBinaries', job, '--binaries', v3, '--key', join(dir, 'admin.key'), '--node', node.url]);
  t.regex(forged.stderr, /^error BAD_BINARIES: The binaries are signed by 0x[0-9a-f]{40}, not by the job's admin/);
  const v1Text = await readFile(v1, 'utf8');
  t.true(v1Text.includes('"sig"'));
  const noFile = await run(['publishBinaries', job, '--binaries', join(dir, 'none.json'), '--key', join(dir, 'admin.key'), '--node', node.url]);
  t.regex(noFile.stderr, /--binaries .*none\.json cannot be read \(ENOENT\)/);
  const badPrograms = await run(['binaries', 'hash', v1]);
  t.regex(badPrograms.stderr, /^error BAD_SCHEMA: /);
});

test('ain commitTestData: a fresh salt and the commitment of the file’s test data under it', async (t) => {
  const file = join(dir, 'test-data.json');
  await writeFile(file, JSON.stringify({ y: 4, expected: 2 }));
  const committed = await run(['commitTestData', file, '--json']);
  t.is(committed.code, 0, committed.stderr);
  const { commitment, salt } = JSON.parse(committed.stdout) as { commitment: string; salt: string };
  t.regex(salt, /^[0-9a-f]{64}$/);
  t.is(commitment, testDataCommitmentOf({ y: 4, expected: 2 }, salt));
  const usage = await run(['revealTestData', 'a'.repeat(64), '--key', join(dir, 'admin.key'), '--node', node.url]);
  t.regex(usage.stderr, /needs --test-data FILE.json and --salt HEX/);
});

import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeProcess, type NodeProcess } from '../node/nodeProcess.ts';

// The README's tour, its commands as the README writes them, against a real `ain node` child
// process: a user who types them sees the value they wrote. And `ain tx submit --wait`, which
// the tour uses, with a tx that lands ok, one refused in its block, and a batch of both.

const root = process.cwd();
const ain = join(root, 'bin', 'ain.js');
const tourUrl = 'http://127.0.0.1:8080';

/**
 * The tour's commands up to its first read of the value it wrote: the first `sh` block under
 * "## A tour", lines joined where they end in `\`, comments dropped.
 */
async function tourCommands(): Promise<string[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const tour = readme.slice(readme.indexOf('## A tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(tour)![1]!;
  const lines = block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const last = lines.findIndex((line) => line.includes('/v1/state/apps/demo/x'));
  return lines.slice(0, last + 1);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One tour line in `sh`, `ain` being this checkout's CLI and the node at `url` (bounded: 60 s). */
function shell(line: string, cwd: string, url: string): Promise<Run> {
  const script = `ain() { "${process.execPath}" "${ain}" "$@"; }\n${line.replaceAll(tourUrl, url)}`;
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { cwd, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
let node: NodeProcess | undefined;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-tour-'));
});

test.after.always(async () => {
  await node?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

test.serial('the README tour, as written, on a plain ain node: the value it writes is there', async (t) => {
  t.timeout(180_000);
  const commands = await tourCommands();
  t.true(
    commands.some((c) => c.startsWith('ain node ')),
    commands.join('\n'),
  );
  for (const command of commands) {
    if (command.startsWith('alias ')) continue; // `ain` is the shell function above
    if (command.startsWith('ain node ')) {
      // The node runs as the test's child, on a free port in place of the tour's 8080.
      const args = command.split(/\s+/).slice(2);
      const data = args[args.indexOf('--data') + 1]!;
      t.deepEqual(args, ['--data', data, '--port', '8080'], 'the tour starts a plain node');
      await mkdir(join(dir, data), { recursive: true });
      node = await startNodeProcess(join(dir, data), []);
      continue;
    }
    if (command.includes('<') || command.includes('…')) continue; // a placeholder the reader fills in
    const ran = await shell(command, dir, node?.url ?? tourUrl);
    t.is(ran.code, 0, `${command}\n${ran.stderr}`);
    if (command.includes('tx submit') && command.includes('--wait')) t.is(JSON.parse(ran.stdout).outcome.code, 'ok', command);
    if (command.includes('/v1/state/apps/demo/x')) t.like(JSON.parse(ran.stdout), { path: '/apps/demo/x', value: 1 });
  }
  t.truthy(node, 'the tour started a node');
});

test.serial('ain tx submit --wait prints where an ok tx landed; a refused one prints its code and sentence and exits 1', async (t) => {
  t.timeout(120_000);
  if (node === undefined) node = await startNodeProcess(await mkdtemp(join(dir, 'n-')), []);
  const url = node.url;
  await shell('ain keys new --out other.key', dir, url);
  const sign = (op: object) => `ain tx sign --key other.key --op '${JSON.stringify(op)}'`;

  const denied = await shell(`${sign({ type: 'set_value', path: '/apps/private/x', value: 1 })} | ain tx submit --node ${url} --wait`, dir, url);
  t.is(denied.code, 1);
  t.regex(denied.stderr, /^error RULE_DENIED: .*\/apps\/private\/x/);
  t.is(denied.stdout, '');

  const deniedJson = await shell(`${sign({ type: 'set_value', path: '/apps/private/y', value: 1 })} | ain tx submit --node ${url} --wait --json`, dir, url);
  t.is(deniedJson.code, 1);
  const error = JSON.parse(deniedJson.stderr);
  t.is(error.code, 'RULE_DENIED');
  t.true(Number.isInteger(error.details.height) && error.details.height >= 1, deniedJson.stderr);

  // Under /apps/demo (the tour's rule, or this test's own when the tour test did not run).
  if ((await node.get('/v1/state/apps/demo/x')).value === null) {
    const rule = await shell(
      `ain tx sign --key ${join(node.dataDir, 'node.key')} --op '{"type":"set_rule","path":"/apps/demo","value":{"write":true}}' | ain tx submit --node ${url} --wait`,
      dir,
      url,
    );
    t.is(rule.code, 0, rule.stderr);
  }
  const ok = await shell(`${sign({ type: 'set_value', path: '/apps/demo/y', value: 2 })} | ain tx submit --node ${url} --wait`, dir, url);
  t.is(ok.code, 0, ok.stderr);
  const landed = JSON.parse(ok.stdout);
  t.like(landed, { outcome: { code: 'ok' } });
  // Where it landed, as README says: the node's answer but its proof and header (ain tx verify's to check).
  const { hash, height, index, offset, outcome } = await node.get(`/v1/tx/${landed.hash}`);
  t.deepEqual(landed, { hash, height, index, offset, outcome });

  // A batch: both land, one refused: every result printed, the refusal on stderr, exit 1.
  const batch = await shell(
    `{ echo '['; ${sign({ type: 'set_value', path: '/apps/demo/z', value: 3 })}; echo ','; ${sign({ type: 'set_value', path: '/apps/private/z', value: 3 })}; echo ']'; } | ain tx submit --node ${url} --wait`,
    dir,
    url,
  );
  t.is(batch.code, 1, batch.stderr);
  const answer = JSON.parse(batch.stdout);
  t.like(answer, { landed: 1, refused: 1 });
  t.deepEqual(
    answer.results.map((r: { outcome: { code: string } }) => r.outcome.code),
    ['ok', 'RULE_DENIED'],
  );
  t.regex(batch.stderr, /^error RULE_DENIED: .*\(tx [0-9a-f]{64}, block \d+\)\n$/);
});

test.serial('ain tx submit: --wait-ms without --wait is a usage error', async (t) => {
  const ran = await shell(`echo '{}' | ain tx submit --node http://127.0.0.1:9 --wait-ms 10`, dir, 'http://127.0.0.1:9');
  t.is(ran.code, 2);
});

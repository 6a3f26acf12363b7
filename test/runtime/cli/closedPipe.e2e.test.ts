import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { initNetwork } from '../../../runtime/config/index.ts';
import { tempDir } from '../mempool/fixtures.ts';

// `ain … | head`: the reader closes the pipe before the command has written; the command ends
// quietly with its own exit code, not an unhandled EPIPE and a stack.

test('a command whose stdout reader is gone ends with its own exit code and no stack', async (t) => {
  const dir = join(await tempDir(t), 'net');
  await initNetwork({ dir, validators: 2, basePort: 23_500 });
  const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'ain.js'), 'net', 'status', '--dir', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader went away at once
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  t.notRegex(stderr, /EPIPE|Unhandled 'error' event/);
  t.is(code, 1, 'net status exits 1 when no node answers (none runs here), as with a reader');
});

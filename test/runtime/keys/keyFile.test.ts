import test from 'ava';
import { chmod, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../../log/index.ts';
import { isAinError } from '../../../schemas/index.ts';
import { loadOrCreateKeyFile, readKeyFile, writeKeyFile } from '../../../runtime/keys/index.ts';

const dirs: string[] = [];
const tmp = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-keys-'));
  dirs.push(dir);
  return dir;
};
test.after.always(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('a key file is written with mode 0600 and reads back as the same key', async (t) => {
  const path = join(await tmp(), 'a.key');
  const key = generateKeyPair();
  await writeKeyFile(path, key);
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.deepEqual(await readKeyFile(path), key);
});

test('a key file readable by group or others is refused with KEY_FILE_UNSAFE and the fix', async (t) => {
  const path = join(await tmp(), 'a.key');
  await writeKeyFile(path, generateKeyPair());
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    await chmod(path, mode);
    const error = await t.throwsAsync(readKeyFile(path));
    t.true(isAinError(error, 'KEY_FILE_UNSAFE'), mode.toString(8));
    t.regex(error!.message, /chmod 600/);
  }
});

test('an existing key file is never overwritten', async (t) => {
  const path = join(await tmp(), 'a.key');
  await writeKeyFile(path, generateKeyPair());
  t.true(isAinError(await t.throwsAsync(writeKeyFile(path, generateKeyPair())), 'BAD_KEY_FILE'));
});

test('a damaged or inconsistent key file is BAD_KEY_FILE', async (t) => {
  const dir = await tmp();
  const [a, b] = [generateKeyPair(), generateKeyPair()];
  const cases: [string, string][] = [
    ['junk.key', 'not json'],
    ['short.key', JSON.stringify({ ...a, privateKey: 'abcd' })],
    ['mixed.key', JSON.stringify({ ...a, privateKey: b.privateKey })],
  ];
  for (const [name, text] of cases) {
    const path = join(dir, name);
    await writeFile(path, text, { mode: 0o600 });
    t.true(isAinError(await t.throwsAsync(readKeyFile(path)), 'BAD_KEY_FILE'), name);
  }
  t.true(isAinError(await t.throwsAsync(readKeyFile(join(dir, 'missing.key'))), 'BAD_KEY_FILE'));
});

test('loadOrCreateKeyFile creates once, then reads the same key', async (t) => {
  const path = join(await tmp(), 'node.key');
  const first = await loadOrCreateKeyFile(path);
  const second = await loadOrCreateKeyFile(path);
  t.true(first.created);
  t.false(second.created);
  t.deepEqual(second.key, first.key);
});

test('a symbolic link to a key file is refused: the mode that matters is its target’s', async (t) => {
  const dir = await tmp();
  const path = join(dir, 'real.key');
  await writeKeyFile(path, generateKeyPair());
  await symlink(path, join(dir, 'link.key'));
  const error = await t.throwsAsync(readKeyFile(join(dir, 'link.key')));
  t.true(isAinError(error, 'BAD_KEY_FILE'));
  t.regex(error!.message, /symbolic link/);
});

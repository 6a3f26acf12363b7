import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../../log/index.ts';
import { AinError, KeyFile, parseOrThrow } from '../../schemas/index.ts';

/** Mode bits that let anyone but the owner read or write a file. */
const groupOrOthers = 0o077;

/**
 * Writes a key file with mode 0600, refusing to overwrite one that exists.
 * @example await writeKeyFile('node.key', generateKeyPair())
 */
export async function writeKeyFile(path: string, key: KeyPair): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AinError('BAD_KEY_FILE', `Key file ${path} already exists; refusing to overwrite a key. Choose another path or move the old key away.`, {
        cause,
      });
    }
    throw cause;
  }
  try {
    await handle.chmod(0o600); // open's mode is filtered by the umask; make it exact.
    await handle.writeFile(JSON.stringify({ address: key.address, publicKey: key.publicKey, privateKey: key.privateKey }, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads a key file, refusing one that group or others can read, and checks it is consistent.
 * The mode is checked on the open file itself (no window between check and read), and a
 * symbolic link is refused: its target's mode is what would matter.
 */
export async function readKeyFile(path: string): Promise<KeyPair> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'is a symbolic link; name the key file itself' : `cannot be read (${code ?? (cause as Error).message})`;
    throw new AinError('BAD_KEY_FILE', `Key file ${path} ${why}; create one with "ain keys new --out ${path}".`, { cause });
  }
  let text: string;
  try {
    const info = await handle.stat();
    if ((info.mode & groupOrOthers) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
      throw new AinError('KEY_FILE_UNSAFE', `Key file ${path} has mode ${mode}, so other users can read or change it; run "chmod 600 ${path}" and try again.`, {
        details: { path, mode },
      });
    }
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AinError('BAD_KEY_FILE', `Key file ${path} is not valid JSON.`, { cause });
  }
  let file: KeyFile;
  try {
    file = parseOrThrow(KeyFile, json, `key file ${path}`);
  } catch (cause) {
    throw new AinError('BAD_KEY_FILE', (cause as Error).message, { cause });
  }
  const key = keyPairFromSeed(file.privateKey);
  if (key.publicKey !== file.publicKey || key.address !== file.address) {
    throw new AinError('BAD_KEY_FILE', `Key file ${path} is inconsistent: its publicKey or address does not belong to its privateKey.`);
  }
  return key;
}

/** Reads the key at `path`, creating it (mode 0600) when there is none. */
export async function loadOrCreateKeyFile(path: string): Promise<{ key: KeyPair; created: boolean }> {
  try {
    return { key: await readKeyFile(path), created: false };
  } catch (error) {
    const missing = error instanceof AinError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (!missing) throw error;
    const key = generateKeyPair();
    await writeKeyFile(path, key);
    return { key, created: true };
  }
}

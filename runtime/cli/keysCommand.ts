import { parseArgs } from 'node:util';
import { generateKeyPair } from '../../log/index.ts';
import { writeKeyFile } from '../keys/index.ts';
import { printJson, verbError } from './output.ts';

/** `ain keys new [--out FILE] [--json]` */
export async function keysCommand(args: string[], { json }: { json: boolean }): Promise<void> {
  const [verb, ...rest] = args;
  if (verb !== 'new') throw verbError('keys', verb, `use "ain keys new [--out FILE]".`);
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } } });
  const key = generateKeyPair();
  if (values.out === undefined) {
    printJson(key);
    return;
  }
  await writeKeyFile(values.out, key);
  if (json) printJson({ address: key.address, publicKey: key.publicKey, file: values.out });
  else process.stdout.write(`new key ${key.address} written to ${values.out} (mode 0600)\n`);
}

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { AinError, errorCodes, type ErrorCode } from '../../schemas/index.ts';
import type { KeyPair } from '../../log/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { checkBlobHash, signBlobAuth } from '../storage/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError, verbError } from './output.ts';
import { createProgress, type Progress } from './progress.ts';

/** Counts the bytes going through for the progress bar, and hashes them. */
function meter(progress: Progress): { through: Transform; hex: () => string; bytes: () => number } {
  const sha = createHash('sha256');
  let bytes = 0;
  const through = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sha.update(chunk);
      bytes += chunk.length;
      progress.advance(chunk.length);
      done(null, chunk);
    },
  });
  return { through, hex: () => sha.digest('hex'), bytes: () => bytes };
}

function send(url: URL, options: { method: string; headers: Record<string, string | number> }, body?: Readable): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, options, resolve);
    const unreachable = (cause: Error) =>
      reject(new AinError('NODE_UNREACHABLE', `No node answers at ${url.origin} (${cause.message}); start one with "ain node --data DIR".`, { cause }));
    req.on('error', unreachable);
    if (body === undefined) req.end();
    else pipeline(body, req).catch(() => undefined); // a refused upload ends early; the answer says why
  });
}

/** The node's `{ code, message }` as the AinError the CLI prints. */
async function refusal(response: IncomingMessage, node: string): Promise<AinError> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response) if ((bytes += (chunk as Buffer).length) <= 65536) chunks.push(chunk as Buffer);
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string; message?: string };
    if (typeof body.code === 'string' && body.code in errorCodes) return new AinError(body.code as ErrorCode, body.message ?? body.code);
  } catch {
    // not JSON: not an ain node
  }
  return new AinError('NODE_UNREACHABLE', `${node} answered ${response.statusCode} with something that is not an ain error; is it an ain node?`);
}

function hashArgument(text: string | undefined): string {
  if (text === undefined) throw new UsageError('ain blob get needs the blob: its hash or blob://sha256:<hash>.');
  return checkBlobHash(text.replace(/^blob:\/\/sha256:/, '').replace(/^sha256:/, ''));
}

/** `ain blob put <file> --key FILE [--node URL] [--ttl-ms N] [--readers a,b|*]` */
async function put(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { key: { type: 'string' }, node: { type: 'string', default: defaultNodeUrl }, 'ttl-ms': { type: 'string' }, readers: { type: 'string' } },
  });
  const [file] = positionals;
  if (file === undefined) throw new UsageError('ain blob put needs a file: ain blob put FILE --key KEYFILE.');
  if (values.key === undefined) throw new UsageError('ain blob put needs --key FILE: the address that pays for the storage.');
  if (values['ttl-ms'] !== undefined && !/^\d+$/.test(values['ttl-ms'])) throw new UsageError(`--ttl-ms must be a whole number, got "${values['ttl-ms']}".`);
  const key = await readKeyFile(values.key);
  const { size } = await stat(file);
  // The hash names the blob, so it comes first: one read to hash, one to send.
  const hashing = meter(createProgress({ label: 'hash', totalBytes: size, quiet: json }));
  await pipeline(createReadStream(file), hashing.through, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source);
  });
  const hash = hashing.hex();
  const progress = createProgress({ label: 'put ', totalBytes: size, quiet: json });
  const sending = meter(progress);
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'content-length': size,
    authorization: signBlobAuth({ key, method: 'PUT', hash, timeMs: Date.now() }),
  };
  if (values['ttl-ms'] !== undefined) headers['x-ain-ttl-ms'] = values['ttl-ms'];
  if (values.readers !== undefined) headers['x-ain-readers'] = values.readers;
  const response = await send(new URL(`/v1/blobs/${hash}`, values.node), { method: 'PUT', headers }, createReadStream(file).pipe(sending.through));
  if (response.statusCode !== 201) throw await refusal(response, values.node);
  progress.done();
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ref: string; sizeBytes: number; expiresAtMs?: number };
  if (json) printJson(reply);
  else
    process.stdout.write(
      `${reply.ref}\n${reply.sizeBytes} bytes${reply.expiresAtMs === undefined ? '' : `, kept until ${new Date(reply.expiresAtMs).toISOString()}`}\n`,
    );
}

export interface FetchBlobParameters {
  readonly nodeUrl: string;
  /** The blob's SHA-256, lowercase hex. */
  readonly hash: string;
  /** Signs the read (a blob that is not public); absent: an unsigned read. */
  readonly key?: KeyPair;
  /** Written as `out.part`, renamed once the bytes hash to `hash`; absent: stdout. */
  readonly out?: string;
  /** No progress on stderr. */
  readonly quiet: boolean;
}

/**
 * Streams a blob from `GET /v1/blobs/<hash>` to a file or stdout, hashing it on the way: bytes
 * that do not hash to `hash` are BLOB_HASH_MISMATCH and no file is left. Resolves with its size.
 * @example const { sizeBytes } = await fetchBlob({ nodeUrl, hash, key, out: 'copy.bin', quiet: true })
 */
export async function fetchBlob({ nodeUrl, hash, key, out, quiet }: FetchBlobParameters): Promise<{ sizeBytes: number }> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = signBlobAuth({ key, method: 'GET', hash, timeMs: Date.now() });
  const response = await send(new URL(`/v1/blobs/${hash}`, nodeUrl), { method: 'GET', headers });
  if (response.statusCode !== 200) throw await refusal(response, nodeUrl);
  const length = Number(response.headers['content-length']);
  const progress = createProgress({ label: 'get ', totalBytes: Number.isFinite(length) ? length : undefined, quiet });
  const receiving = meter(progress);
  const partial = out === undefined ? undefined : `${out}.part`;
  try {
    await pipeline(response, receiving.through, partial === undefined ? process.stdout : createWriteStream(partial, { flags: 'w', flush: true }), {
      end: partial !== undefined,
    });
    const actual = receiving.hex();
    if (actual !== hash) {
      throw new AinError('BLOB_HASH_MISMATCH', `The bytes received hash to ${actual}, not ${hash}; the node served something else. Try another node.`, {
        details: { expected: hash, actual },
      });
    }
    if (partial !== undefined) await rename(partial, out!);
  } catch (error) {
    if (partial !== undefined) await rm(partial, { force: true });
    throw error;
  }
  progress.done();
  return { sizeBytes: receiving.bytes() };
}

/** `ain blob get <hash> [--out FILE] [--key FILE] [--node URL]`: checks the bytes against the hash. */
async function get(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { key: { type: 'string' }, node: { type: 'string', default: defaultNodeUrl }, out: { type: 'string' } },
  });
  const hash = hashArgument(positionals[0]);
  const key = values.key === undefined ? undefined : await readKeyFile(values.key);
  const { sizeBytes } = await fetchBlob({ nodeUrl: values.node, hash, key, out: values.out, quiet: json });
  if (values.out !== undefined) {
    if (json) printJson({ ref: `blob://sha256:${hash}`, hash, sizeBytes, out: values.out });
    else process.stdout.write(`${values.out}: ${sizeBytes} bytes, sha256 ${hash} checked\n`);
  }
}

export async function blobCommand(args: string[], context: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'put') return put(rest, context);
  if (verb === 'get') return get(rest, context);
  throw verbError('blob', verb, `use "ain blob put" or "ain blob get".`);
}

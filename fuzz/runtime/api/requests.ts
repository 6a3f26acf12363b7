// Requests to every route of the HTTP API (docs/api.md): methods, paths with odd encodings, query
// strings, headers and bodies (signed txs and batches, blobs, garbage), and a sender that puts them
// on the wire as they are (node:http, no URL normalisation) and reads back the answer.
import { request as httpRequest, Agent } from 'node:http';
import fc from 'fast-check';
import { awkwardString, garbageText } from '../../arbitraries/json.ts';
import { testKeys, txPlan, txPlans, type TxPlan } from '../../arbitraries/tx.ts';
import type { Answer } from './checkResponse.ts';

/** A body of a request, made concrete (signed, hashed) only when it is sent. */
export type BodySpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tx'; readonly plan: TxPlan }
  | { readonly kind: 'txs'; readonly plans: readonly TxPlan[]; readonly wrapped: boolean }
  | { readonly kind: 'blob'; readonly bytes: Uint8Array };

/** Who signs a blob request's Authorization header: a test key, the node's key, nobody, or garbage. */
export type BlobSigner = number | 'node' | 'none' | 'garbage';

export interface RequestSpec {
  readonly method: string;
  /** The path as sent, before the query string. */
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: BodySpec;
  /** For blob routes: the hash in the path is the body's SHA-256 (else as written). */
  readonly blobHashOfBody: boolean;
  readonly blobSigner: BlobSigner;
}

const percentBytes = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
/** What node:http lets through a request line: `!` to `ÿ`; anything else travels percent-encoded. */
const sendable = (text: string) => text.replace(/[^\u0021-\u007e]/g, (c) => percentBytes(c));

const label = fc.oneof(
  { arbitrary: fc.constantFrom('apps', 'fz', 'a', 'x1', '$x', 'accounts', 'consensus', 'jobs', testKeys[1]!.address), weight: 4 },
  { arbitrary: awkwardString, weight: 2 },
  { arbitrary: fc.constantFrom('%ED%A0%80', '%C0%AF', '%zz', '%', '%2F', '%25', '%00', '%E0%A4', '..', '.', '%2e%2e', '%F0%9F%99%82', '%FF'), weight: 2 },
);
/** A segment written raw, percent-encoded by encodeURIComponent, or byte by byte. */
const segment = fc
  .tuple(label, fc.constantFrom('raw', 'raw', 'component', 'bytes'))
  .map(([l, how]) => (how === 'raw' ? l : how === 'component' ? encodeURIComponent(l.toWellFormed()) : percentBytes(l)));
const tail = fc.array(segment, { maxLength: 4 }).map((s) => s.join('/'));
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const hash = fc.oneof(hex(32), fc.constantFrom('', 'x', 'A'.repeat(64), '0'.repeat(65)), awkwardString);
const address = fc.oneof(
  fc.constantFrom(...testKeys.map((k) => k.address), '0x', 'bob'),
  hex(20).map((h) => `0x${h}`),
  awkwardString,
);
const height = fc.oneof(fc.constantFrom('latest', '0', '1', '2', '-1', '1.5', '1e3', '9007199254740993', 'x', ''), fc.nat({ max: 50 }).map(String));
const streams = fc.constantFrom(
  'blocks',
  'finality',
  'jobs',
  'nodes',
  'shards',
  'shards/apps/fz',
  'reputation',
  'triggers',
  'dashboard',
  'state/apps/fz',
  'state/%ED%A0%80',
  'state',
  `accounts/${testKeys[1]!.address}`,
  'accounts/bad',
  'nope',
  'blocks/x',
  '',
);

/** Paths of the API's routes, with their parameters drawn from good and odd values. */
const routePath = fc.oneof(
  tail.map((t) => `/v1/state/${t}`),
  tail.map((t) => `/v1/proof/${t}`),
  fc.constant('/v1/blocks'),
  height.map((h) => `/v1/blocks/${sendable(h)}`),
  hash.map((h) => `/v1/tx/${sendable(h)}`),
  address.map((a) => `/v1/accounts/${sendable(a)}`),
  fc.constantFrom(
    '/v1/health',
    '/v1/status',
    '/metrics',
    '/v1/jobs',
    '/v1/requests',
    '/v1/shards',
    '/v1/dashboard',
    '/',
    '',
    '/v1',
    '/v1/',
    '//v1/health',
    '/v1/health/',
    '/v1/state',
    '/V1/health',
    '/v1/health%00',
  ),
  hash.map((h) => `/v1/jobs/${sendable(h)}`),
  hash.map((h) => `/v1/jobs/${sendable(h)}/explain`),
  hash.map((h) => `/v1/requests/${sendable(h)}/explain`),
  address.map((a) => `/v1/nodes/${sendable(a)}`),
  address.map((a) => `/v1/reputation/${sendable(a)}`),
  streams.map((s) => `/v1/streams/${s}`),
  tail.map((t) => `/v1/shards/${t}`),
  tail.map((t) => `/${t}`),
);
const queryPart = fc
  .tuple(
    fc.constantFrom('from', 'to', 'limit', 'after', 'kind', 'job', 'state', 'client', '__proto__', 'constructor', 'x', 'from[]', 'a[b]'),
    fc.oneof(
      fc.constantFrom('1', '2', '0', '-1', '100', '1000', '1001', 'values', 'rules', 'owners', 'functions', 'open', 'settled', 'nope', ''),
      hex(32),
      awkwardString,
    ),
  )
  .map(([k, v]) => `${k}=${encodeURIComponent(v.toWellFormed())}`);
const query = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.array(queryPart, { minLength: 1, maxLength: 3 }).map((ps) => `?${ps.join('&')}`), weight: 2 },
  { arbitrary: fc.constantFrom('?', '?&&', '?from', '?%zz=1', '?from=1&from=2'), weight: 1 },
);
const headerValue = fc.oneof(
  fc.constantFrom(
    'application/json',
    'text/plain',
    '',
    'bytes=0-10',
    'bytes=-5',
    'bytes=5-',
    'bytes=0-0,2-3',
    'bytes=x',
    'items=0-1',
    'bytes=100-1',
    '0',
    '1',
    '-1',
    '99999999999999999',
    '*',
    `${testKeys[1]!.address},*`,
  ),
  awkwardString.map((s) => s.replace(/[^\t\u0020-\u007e]/g, '?')),
);
const headers = fc.dictionary(
  fc.constantFrom('content-type', 'last-event-id', 'range', 'x-ain-ttl-ms', 'x-ain-readers', 'accept', 'x-anything', 'accept-encoding', 'authorization'),
  headerValue,
  { maxKeys: 3 },
);

const txBody = fc.oneof(
  { arbitrary: txPlan.map((plan): BodySpec => ({ kind: 'tx', plan })), weight: 4 },
  { arbitrary: fc.tuple(txPlans, fc.boolean()).map(([plans, wrapped]): BodySpec => ({ kind: 'txs', plans, wrapped })), weight: 2 },
  { arbitrary: garbageText.map((text): BodySpec => ({ kind: 'text', text })), weight: 1 },
  { arbitrary: fc.constant<BodySpec>({ kind: 'none' }), weight: 1 },
);

const base = { query: '', headers: {}, blobHashOfBody: false, blobSigner: 'none' as BlobSigner };
export const requestSpec: fc.Arbitrary<RequestSpec> = fc.oneof(
  {
    arbitrary: fc.tuple(fc.constantFrom('/v1/tx', '/v1/txs'), txBody, headers).map(([path, body, h]) => ({ ...base, method: 'POST', path, body, headers: h })),
    weight: 8,
  },
  {
    arbitrary: fc
      .tuple(routePath, query, headers)
      .map(([path, q, h]) => ({ ...base, method: 'GET', path, query: q, headers: h, body: { kind: 'none' } as BodySpec })),
    weight: 8,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('PUT', 'PUT', 'GET'),
        fc.uint8Array({ maxLength: 2048 }),
        fc.boolean(),
        hash,
        fc.constantFrom<BlobSigner>('node', 'node', 0, 1, 'none', 'garbage'),
        headers,
      )
      .map(([method, bytes, own, h, signer, hs]) => ({
        ...base,
        method,
        path: `/v1/blobs/${sendable(h)}`,
        headers: hs,
        body: { kind: 'blob', bytes } as BodySpec,
        blobHashOfBody: own,
        blobSigner: signer,
      })),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'SEARCH'),
        fc.oneof(routePath, fc.constantFrom('/v1/tx', '/v1/txs', '/v1/blobs/' + 'a'.repeat(64))),
        query,
        headers,
        garbageText,
      )
      .map(([method, path, q, h, text]) => ({ ...base, method, path, query: q, headers: h, body: { kind: 'text', text } as BodySpec })),
    weight: 2,
  },
);

// One connection per request: an answer that breaks the framing (say a body after a HEAD) shows
// up on the request that caused it, not on the next one that shares its connection.
const agent = new Agent({ keepAlive: false });

/** Methods whose requests carry no body on the wire (a TRACE with one is malformed HTTP). */
export const bodyless = new Set(['HEAD', 'TRACE']);

/** Sends a request exactly as given; an event stream is read only to its headers. Rejects when no answer comes in `timeoutMs`. */
export function send(url: URL, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const payload = bodyless.has(method) ? undefined : body;
    // node:http frames a GET's body neither by length nor by chunks: say its length, or it reads as the next request.
    const framed = payload === undefined ? headers : { ...headers, 'content-length': String(payload.byteLength) };
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: framed, agent, timeout: timeoutMs }, (res) => {
      answered = true;
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, contentType, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A node may answer a body it refuses (too large) before reading it, and close: the answer counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(payload);
  });
}

export { sendable };

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Readable } from 'node:stream';
import { AinError } from '../../schemas/index.ts';
import { checkBlobHash, createBlobAuthVerifier, parseRange, type BlobAuthVerifier, type BlobStore } from '../storage/index.ts';
import { sendError, toAinError } from './errors.ts';
import { answerOf, doc } from './openApi.ts';

export interface BlobRoutesOptions {
  readonly store: BlobStore;
  /** Default: a verifier with a 60 s window on the wall clock. */
  readonly auth?: BlobAuthVerifier;
  /**
   * A node of a network: a blob it does not store is read from its peers (the reader's signed
   * header passed on; the bytes checked against the hash). Absent: NOT_FOUND.
   */
  readonly peers?: { fetch(hash: string, authorization: string | undefined): Promise<Buffer> };
}

// The hash is checked by checkBlobHash (BAD_BLOB_HASH), not by the route schema, which only describes it.
const BlobParam = z.object({ hash: z.string().describe('The blob’s SHA-256: 64 lowercase hex characters.') });
const Stored = z
  .object({ ref: z.string(), hash: z.string(), sizeBytes: z.number(), owner: z.string(), expiresAtMs: z.number().optional() })
  .describe('The blob is stored (or already was): `ref` is the `blob://sha256:<hex>` a tx carries.');
const putDoc = doc(
  'blobs',
  'Store bytes in Big Storage under their SHA-256; signed `authorization` header (docs/api.md), optional `x-ain-ttl-ms` and `x-ain-readers`.',
  { params: BlobParam, response: { 201: Stored } },
);
const getDoc = doc('blobs', 'Read a blob’s bytes, whole or a `range`; a blob with readers needs a signed `authorization` header.', {
  params: BlobParam,
  response: { 200: answerOf('application/octet-stream', 'The blob’s bytes.'), 206: answerOf('application/octet-stream', 'The range of its bytes asked for.') },
});

function hashParam(request: FastifyRequest): string {
  return checkBlobHash((request.params as { hash: string }).hash);
}

function wholeHeader(request: FastifyRequest, name: string): number | undefined {
  const text = request.headers[name];
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text))
    throw new AinError('BAD_SCHEMA', `The ${name} header must be a whole number, got "${String(text).slice(0, 40)}".`);
  return Number(text);
}

function readersHeader(request: FastifyRequest): string[] | undefined {
  const text = request.headers['x-ain-readers'];
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new AinError('BAD_SCHEMA', 'Send one x-ain-readers header: addresses separated by commas, or "*".');
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * `PUT` and `GET /v1/blobs/<sha256 hex>`: bodies stream straight between the socket and the
 * store, never buffered whole. In its own plugin scope, so the API's JSON body parser does not apply.
 */
export async function blobRoutes(app: FastifyInstance, { store, auth = createBlobAuthVerifier(), peers }: BlobRoutesOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put('/v1/blobs/:hash', putDoc, async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const hash = hashParam(request);
      const owner = auth.verify(request.headers.authorization, { method: 'PUT', hash });
      const sizeBytes = wholeHeader(request, 'content-length');
      const body = (request.body ?? request.raw) as Readable;
      const info = await store.put({ hash, owner, body, sizeBytes, ttlMs: wholeHeader(request, 'x-ain-ttl-ms'), readers: readersHeader(request) });
      const hold = info.holds.find((h) => h.owner === owner);
      return reply.code(201).send({ ref: info.ref, hash: info.hash, sizeBytes: info.sizeBytes, owner, expiresAtMs: hold?.expiresAtMs });
    } catch (error) {
      // The body may still be arriving: answer, then drop the connection rather than read it all.
      if (!request.raw.complete) reply.header('connection', 'close');
      return sendError(reply, toAinError(error));
    }
  });

  app.get('/v1/blobs/:hash', { ...getDoc, exposeHeadRoute: false }, async (request: FastifyRequest, reply: FastifyReply) => {
    const hash = hashParam(request);
    const header = request.headers.authorization;
    const reader = header === undefined ? undefined : auth.verify(header, { method: 'GET', hash });
    const rangeHeader = request.headers.range;
    const rangeOf = rangeHeader === undefined ? undefined : (sizeBytes: number) => parseRange(rangeHeader, sizeBytes);
    const answer = (range: { start: number; end: number }, sizeBytes: number) => {
      reply
        .header('content-type', 'application/octet-stream')
        .header('accept-ranges', 'bytes')
        .header('etag', `"sha256:${hash}"`)
        .header('content-length', String(range.end - range.start + 1));
      if (rangeHeader !== undefined) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${sizeBytes}`);
    };
    let opened;
    try {
      opened = await store.open({ hash, reader, range: rangeOf });
    } catch (error) {
      if (peers === undefined || !(error instanceof AinError && error.code === 'NOT_FOUND')) throw error;
      // Stored on another node of the network: its bytes through the peers, under the same reader's signature.
      const bytes = await peers.fetch(hash, header);
      const range = rangeOf?.(bytes.length) ?? { start: 0, end: bytes.length - 1 };
      answer(range, bytes.length);
      return reply.header('x-ain-blob-from', 'peer').send(bytes.subarray(range.start, range.end + 1));
    }
    answer(opened.range, opened.info.sizeBytes);
    return reply.send(opened.stream);
  });
}

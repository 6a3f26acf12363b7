// Target `batch`: batch bodies. splitJsonArray must read a JSON array exactly as JSON.parse does
// (same elements, refused when JSON refuses the outline), and the API's body path for
// `POST /v1/txs` and `POST /v1/tx` (content-type parser, splitting, checks) must answer every
// body with 202 or a coded refusal, never a 5xx.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { createApi } from '../../../runtime/api/index.ts';
import type { SubmitResult } from '../../../runtime/ingest/index.ts';
import { splitJsonArray } from '../../../runtime/ingest/index.ts';
import { verifyChunk } from '../../../runtime/ingest/verifyChunk.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { applyEdits, awkwardJson, garbageText, jsonText, textForm, type TextEdit } from '../../arbitraries/json.ts';
import { resolvePlans, txPlan } from '../../arbitraries/tx.ts';
import { checkAnswer } from '../api/checkResponse.ts';
import { attempt, diverge, type Target } from '../../harness.ts';

const maxBatchTxs = 5;
const options = { chain: 'ain-local', shard: '/', maxTxBytes: 4096 };

export interface BatchInput {
  readonly body: string;
  readonly route: '/v1/txs' | '/v1/tx';
  readonly contentType: string | null;
}

const element = fc.oneof(
  { arbitrary: txPlan.map((plan) => resolvePlans([plan], { nonceOf: () => 0 })[0]!), weight: 2 },
  { arbitrary: fc.tuple(awkwardJson, textForm).map(([v, form]) => jsonText(v, form)), weight: 2 },
  { arbitrary: garbageText, weight: 1 },
  { arbitrary: fc.constantFrom('', ' ', '"]"', '"\\\\"', '"\\""', '[]', '{}', '"[,]"', '"}"', '1e999', '-0'), weight: 1 },
);
const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n', '\u00a0', '\ufeff', '\u2028', '\u000b');
const body: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.tuple(space, element, space), { maxLength: 7 }),
    fc.constantFrom(',', ',', ' , ', ',,', ';'),
    fc.constantFrom('array', 'array', 'txs', 'bare'),
    space,
    space,
  )
  .map(([items, separator, shape, before, after]) => {
    const inner = items.map(([a, e, b]) => a + e + b).join(separator);
    const text = shape === 'array' ? `[${inner}]` : shape === 'txs' ? `{"txs":[${inner}]}` : inner;
    return before + text + after;
  });
const edits = fc.oneof(
  { arbitrary: fc.constant([] as TextEdit[]), weight: 3 },
  {
    arbitrary: fc.array(
      fc.record({
        kind: fc.constantFrom('insert' as const, 'delete' as const, 'repeat' as const, 'truncate' as const, 'replace' as const),
        at: fc.nat(),
        length: fc.integer({ min: 1, max: 8 }),
        token: fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ' ', '\u00a0'),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    weight: 1,
  },
);

/** The node's ingest, minus the threads and the log: the same checks, offsets counted up. */
function fakeIngest() {
  let offset = 0;
  return {
    async submit(texts: readonly string[]): Promise<SubmitResult[]> {
      return verifyChunk({ texts, options }).outcomes.map((o) => (typeof o === 'string' ? { hash: o, offset: offset++ } : o));
    },
  };
}

/** splitJsonArray against JSON.parse: the same elements, or both refuse. */
function compareWithJson(text: string): void {
  const split = attempt(() => splitJsonArray(text, maxBatchTxs));
  let parsed: unknown;
  let parses = true;
  try {
    parsed = JSON.parse(text);
  } catch {
    parses = false;
  }
  if (parses && Array.isArray(parsed)) {
    if (parsed.length > maxBatchTxs) {
      if (split.ok || split.code !== 'BATCH_TOO_LARGE')
        diverge(
          `a JSON array of ${parsed.length} elements (more than ${maxBatchTxs}) is ${split.ok ? 'split' : `refused with ${split.code}`}, not refused with BATCH_TOO_LARGE`,
        );
      return;
    }
    if (!split.ok || split.value === null)
      diverge(`a JSON array of ${parsed.length} elements is ${split.ok ? 'not seen as an array' : `refused with ${split.code}: ${split.message}`}`);
    const elements = split.value.map((e) => JSON.stringify(JSON.parse(e)));
    const expected = parsed.map((e) => JSON.stringify(e));
    if (elements.join('\u0000') !== expected.join('\u0000'))
      diverge(`splitJsonArray reads the elements ${JSON.stringify(elements).slice(0, 200)}, JSON.parse ${JSON.stringify(expected).slice(0, 200)}`);
    return;
  }
  if (!split.ok || split.value === null) return;
  const all = split.value.every((e) => {
    try {
      JSON.parse(e);
      return true;
    } catch {
      return false;
    }
  });
  if (all && !parses) diverge(`splitJsonArray accepts a body JSON.parse refuses, as ${split.value.length} elements that each parse`);
  if (all && parses) diverge(`splitJsonArray splits a body that is JSON but not an array`);
}

export const batchTarget: Target<BatchInput, FastifyInstance> = {
  name: 'batch',
  about: 'batch bodies through splitJsonArray (against JSON.parse) and the POST /v1/txs and /v1/tx body path (fastify inject, real checks)',
  inputMs: 1000,
  pure: true,
  arbitrary: fc.record({
    body: fc.tuple(body, edits).map(([text, e]) => applyEdits(text, e)),
    route: fc.constantFrom('/v1/txs' as const, '/v1/txs' as const, '/v1/tx' as const),
    contentType: fc.constantFrom(
      null,
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
    ),
  }),
  async setup() {
    const app = createApi({
      ingest: fakeIngest(),
      maxBatchTxs,
      maxTxBytes: options.maxTxBytes,
      bodyBytesMax: maxBatchTxs * options.maxTxBytes * 2,
      blocks: createBlockStore(),
      status: () => ({}),
    });
    await app.ready();
    return app;
  },
  async check(input, app) {
    compareWithJson(input.body);
    const response = await app.inject({
      method: 'POST',
      url: input.route,
      payload: input.body,
      headers: input.contentType === null ? {} : { 'content-type': input.contentType },
    });
    const answer = { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), body: response.body };
    const json = checkAnswer(answer, `POST ${input.route}`);
    if (input.route !== '/v1/txs' || answer.status !== 202) return;
    const split = attempt(() => splitJsonArray(input.body, maxBatchTxs));
    const results = (json?.results ?? []) as unknown[];
    if (split.ok && split.value !== null && results.length !== split.value.length)
      diverge(`POST /v1/txs answers ${results.length} results for a body of ${split.value.length} elements`);
  },
  async finish(app) {
    await app?.close();
    return [];
  },
};

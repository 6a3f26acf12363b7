import test from 'ava';
import fc from 'fast-check';
import { createMismatchList, type Mismatch } from '../../../runtime/audit/index.ts';

const options = { mismatchesMax: 20, perSignerMax: 3, unlistedSignersMax: 4 };
const attestation = (from: string, height: number): Mismatch => ({ kind: 'attestation', from, height, message: `block ${height}` });

test('given one signer with many findings, when listed, then it gets its share and a count, and the others still show', (t) => {
  const list = createMismatchList(options);
  for (let height = 1; height <= 1000; height++) list.add(attestation('0xloud', height));
  list.add(attestation('0xquiet', 7));
  list.add({ kind: 'snapshot', height: 9, message: 'snapshot differs' });
  list.add({ kind: 'record', from: '0xloud', offset: 3, message: 'bad signature' });
  t.deepEqual(
    list.listed.map((m) => `${m.kind} ${m.from ?? '-'} ${m.height ?? m.offset}`),
    ['attestation 0xloud 1', 'attestation 0xloud 2', 'attestation 0xloud 3', 'attestation 0xquiet 7', 'snapshot - 9', 'record 0xloud 3'],
  );
  t.deepEqual(list.unlisted(), [{ kind: 'attestation', from: '0xloud', count: 997 }]);
});

test('given more findings than the list holds, when listed, then the rest are counted by kind and signer, and signers past the cap together', (t) => {
  const list = createMismatchList(options);
  for (let signer = 0; signer < 10; signer++) for (let height = 1; height <= 3; height++) list.add(attestation(`0x${signer}`, height));
  for (let i = 0; i < 5; i++) list.add({ kind: 'snapshot', height: i, message: 'snapshot differs' });
  t.is(list.listed.length, 20);
  t.deepEqual(list.unlisted(), [
    { kind: 'attestation', from: '0x6', count: 1 },
    { kind: 'attestation', from: '0x7', count: 3 },
    { kind: 'attestation', from: '0x8', count: 3 },
    { kind: 'attestation', from: '0x9', count: 3 },
    { kind: 'snapshot', count: 5 },
  ]);
  list.add(attestation('0xa', 1));
  list.add(attestation('0x9', 4));
  t.deepEqual(list.unlisted().slice(3), [
    { kind: 'attestation', from: '0x9', count: 4 },
    { kind: 'snapshot', count: 5 },
    { kind: 'attestation', count: 1 },
  ]);
});

test('property: every finding is listed or counted, never more than the caps are listed, and the unlisted stay bounded', (t) => {
  const finding = fc.record({
    kind: fc.constantFrom<Mismatch['kind'][]>('log', 'record', 'attestation', 'snapshot'),
    from: fc.option(fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `0x${i}`)), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(finding, { maxLength: 200 }), (findings) => {
      const list = createMismatchList(options);
      for (const f of findings) list.add({ ...f, message: 'x' });
      const unlisted = list.unlisted();
      t.is(list.listed.length + unlisted.reduce((sum, u) => sum + u.count, 0), findings.length);
      t.true(list.listed.length <= options.mismatchesMax);
      const bySigner = new Map<string, number>();
      for (const m of list.listed) if (m.from !== undefined) bySigner.set(`${m.kind} ${m.from}`, (bySigner.get(`${m.kind} ${m.from}`) ?? 0) + 1);
      t.true([...bySigner.values()].every((n) => n <= options.perSignerMax));
      t.true(unlisted.filter((u) => u.from !== undefined).length <= options.unlistedSignersMax);
      t.true(unlisted.length <= options.unlistedSignersMax + 4);
      if (list.listed.length < options.mismatchesMax)
        t.true(
          unlisted.every((u) => u.from !== undefined),
          'with room left, only a signer past its share is counted instead of listed',
        );
    }),
    { numRuns: 300 },
  );
});

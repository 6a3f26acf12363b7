import { parseArgs } from 'node:util';
import { storageFee, type StorageGrant, type StoredOffer } from '../../projections/index.ts';
import { Address, OfferStorageOp, parseOrThrow, ReserveStorageOp } from '../../schemas/index.ts';
import { getState, getStatus } from '../client/index.ts';
import { defaultNodeUrl, wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError, verbError } from './output.ts';
import { table, timeText } from './table.ts';
import { parseTxVerbArgs, positionalsOf, runTxVerb, txVerbOf, withoutUndefined } from './txVerb.ts';

// Big Storage on the ledger (docs/storage.md, "Reserving room"): a provider's offer, a paid
// reservation, and what an address holds.

const needed = (verb: string, flag: string, value: number | undefined, what: string): number => {
  if (value === undefined) throw new UsageError(`ain storage ${verb} needs --${flag} N, ${what}.`);
  return value;
};

/** The offer of `provider` on the node's chain, or null when it sells nothing. */
async function offerOf(nodeUrl: string, provider: string): Promise<StoredOffer | null> {
  return (await getState({ url: nodeUrl }, { path: `/storage/offers/${provider}` })).value as StoredOffer | null;
}

/** `ain storage reserve --bytes N --ttl-ms N [--provider ADDR] [--for ADDR] [--readers A,B|*]`: pays a provider (default: the node asked) for room. */
async function reserve(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, {
    bytes: { type: 'string' },
    'ttl-ms': { type: 'string' },
    provider: { type: 'string' },
    for: { type: 'string' },
    readers: { type: 'string' },
  });
  positionalsOf('storage reserve', 'no positional arguments', positionals, 0);
  const verb = await txVerbOf('storage reserve', values, context);
  const space = needed('reserve', 'bytes', wholeNumber(values.bytes, 'bytes'), 'the bytes to reserve');
  const ttl = needed('reserve', 'ttl-ms', wholeNumber(values['ttl-ms'], 'ttl-ms'), 'how long the room lasts in ms of block time');
  const provider = values.provider ?? (await getStatus({ url: verb.nodeUrl })).address;
  const fields = {
    type: 'reserveStorage' as const,
    provider,
    space,
    ttl,
    for: values.for,
    acl: values.readers?.split(',').map((reader) => reader.trim()),
  };
  const op = parseOrThrow(ReserveStorageOp, withoutUndefined(fields), 'reserveStorage');
  const offer = await offerOf(verb.nodeUrl, provider);
  const fee = offer === null || provider === verb.key.address ? 0n : storageFee(offer.price, space, ttl);
  const holder = op.for ?? verb.key.address;
  await runTxVerb(verb, op, ({ height }) => {
    const price = offer === null ? '' : ` at ${offer.price} AIN per GiB-day`;
    return `Reserved ${space} bytes for ${holder} in ${provider}'s Big Storage for ${ttl} ms: paid ${fee} AIN${price} (block ${height}).`;
  });
}

/** `ain storage offer --price AIN --bytes N`: the signer sells room at that price per GiB-day, at most N bytes at once. */
async function offer(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { price: { type: 'string' }, bytes: { type: 'string' } });
  positionalsOf('storage offer', 'no positional arguments', positionals, 0);
  const verb = await txVerbOf('storage offer', values, context);
  if (values.price === undefined) throw new UsageError('ain storage offer needs --price AIN, the price of a GiB for a day.');
  const bytesMax = needed('offer', 'bytes', wholeNumber(values.bytes, 'bytes'), 'the most bytes reserved at once (0: sell no more)');
  const op = parseOrThrow(OfferStorageOp, { type: 'offerStorage', price: values.price, bytesMax }, 'offerStorage');
  await runTxVerb(
    verb,
    op,
    ({ height }) => `${verb.key.address} sells up to ${bytesMax} bytes of Big Storage at ${op.price} AIN per GiB-day (block ${height}).`,
  );
}

/** `ain storage show [ADDRESS] [--node URL]`: the chain's providers, and with ADDRESS its reservations with each. */
async function show(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { node: { type: 'string', default: defaultNodeUrl } } });
  if (positionals.length > 1) throw new UsageError(`ain storage show takes at most one ADDRESS, not "${positionals.join(' ')}".`);
  const address = positionals[0] === undefined ? undefined : parseOrThrow(Address, positionals[0], 'ADDRESS');
  const url = values.node ?? defaultNodeUrl;
  const { value, next } = await getState({ url }, { path: '/storage/offers', limit: 1000 });
  const offers = (value ?? {}) as unknown as Record<string, StoredOffer>;
  const grants: { provider: string; id: string; grant: StorageGrant }[] = [];
  if (address !== undefined) {
    for (const provider of Object.keys(offers)) {
      const held = (await getState({ url }, { path: `/storage/grants/${provider}/${address}` })).value as Record<string, StorageGrant> | null;
      for (const [id, grant] of Object.entries(held ?? {})) grants.push({ provider, id, grant });
    }
  }
  if (json) {
    printJson({ offers, ...(next === undefined || next === null ? {} : { next }), ...(address === undefined ? {} : { address, reservations: grants }) });
    return;
  }
  const providers = Object.entries(offers);
  process.stdout.write(
    providers.length === 0
      ? 'No provider sells Big Storage on this chain.\n'
      : table(
          ['provider', 'price (AIN per GiB-day)', 'offered bytes', 'reserved bytes'],
          providers.map(([provider, o]) => [provider, o.price, String(o.bytesMax), String(o.reserved)]),
        ) + '\n',
  );
  if (next !== undefined && next !== null) process.stdout.write(`(the first 1000 providers; more follow ${next})\n`);
  if (address === undefined) return;
  process.stdout.write(
    grants.length === 0
      ? `${address} holds no reservation.\n`
      : table(
          ['provider', 'bytes', 'until', 'paid by', 'readers'],
          grants.map(({ provider, grant }) => [provider, String(grant.bytes), timeText(grant.expiresAt), grant.payer, grant.acl ?? '(its own)']),
        ) + '\n',
  );
}

/** `ain storage reserve|offer|show`. */
export async function storageCommand(args: string[], context: CommandContext): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'reserve') return reserve(rest, context);
  if (verb === 'offer') return offer(rest, context);
  if (verb === 'show') return show(rest, context);
  throw verbError('storage', verb, `use "ain storage reserve", "ain storage offer" or "ain storage show".`);
}

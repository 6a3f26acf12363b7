import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const sampleMs = 250;
const busyShareMax = 0.15;
const waitMsMax = 5000;

/** Share of all cores' time spent busy over `sampleMs` (this process is idle while sampling). */
async function busyShare(): Promise<number> {
  const total = (times: ReturnType<typeof cpus>) =>
    times.reduce((sum, { times: t }) => ({ busy: sum.busy + t.user + t.nice + t.sys + t.irq, all: sum.all + t.user + t.nice + t.sys + t.irq + t.idle }), {
      busy: 0,
      all: 0,
    });
  const before = total(cpus());
  await sleep(sampleMs);
  const after = total(cpus());
  const all = after.all - before.all;
  return all > 0 ? (after.busy - before.busy) / all : 0;
}

/**
 * Waits (at most `waitMsMax`) until other processes leave the cores mostly idle, since every
 * figure here is a share of the machine. Returns the busy share it last saw, for a warning.
 */
export async function waitForQuiet(): Promise<number> {
  let share = await busyShare();
  for (let waitedMs = sampleMs; share > busyShareMax && waitedMs < waitMsMax; waitedMs += sampleMs) share = await busyShare();
  return share;
}

export function isBusy(share: number): boolean {
  return share > busyShareMax;
}

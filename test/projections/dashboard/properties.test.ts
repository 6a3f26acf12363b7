import test from 'ava';
import fc from 'fast-check';
import { applyDashboardEvents, createDashboard, loadDashboard, type DashboardState } from '../../../projections/index.ts';
import { chunksOf, cuts, jobEventStream } from '../reputation/jobEventArbitrary.ts';

/** Counters match the maps they summarise, nothing is negative, and profitability is earned − lost − fees paid. */
function consistent(state: DashboardState): boolean {
  for (const job of Object.values(state.jobs)) {
    const counts = [
      job.requests,
      job.openRequests,
      job.settled,
      job.refunded,
      job.challenged,
      job.admins,
      job.evaluators,
      job.workers,
      job.dropped,
      job.workersBusy,
    ];
    if (counts.some((n) => n < 0)) return false;
    if (job.openRequests !== Object.keys(job.open).length || job.workersBusy !== Object.keys(job.busy).length) return false;
    if (job.admins + job.evaluators + job.workers + job.dropped !== Object.keys(job.members).length) return false;
    if (job.latency.samplesMs.length > state.latencySamplesMax || job.latency.count !== job.settled) return false;
    if (job.settlements.length > state.settlementTimesMax) return false;
  }
  return Object.values(state.nodes).every((n) => BigInt(n.profitability) === BigInt(n.earned) - BigInt(n.depositsLost) - BigInt(n.feesPaid ?? '0'));
}

test('property: any job event stream folds without throwing, consistently, and identically at once, in chunks or through a snapshot', (t) => {
  fc.assert(
    fc.property(jobEventStream, cuts, (events, at) => {
      const options = { latencySamplesMax: 5, settlementTimesMax: 3, throughputWindowMs: 30_000 };
      const once = applyDashboardEvents(createDashboard(options), events);
      const whole = JSON.stringify(once);
      if (JSON.stringify(applyDashboardEvents(createDashboard(options), events)) !== whole) return false;
      let chunked = createDashboard(options);
      for (const chunk of chunksOf(events, at)) chunked = applyDashboardEvents(loadDashboard(JSON.parse(JSON.stringify(chunked))), chunk);
      return JSON.stringify(chunked) === whole && consistent(once);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

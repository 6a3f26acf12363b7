import test from 'ava';
import { execFile } from 'node:child_process';
import { scriptArgs } from '../../scriptArgs.ts';

const probe = scriptArgs('test/runtime/storage/bigBlobProbe.ts');
const growthBytesMax = 40 * 1024 * 1024;

test('a 100 MiB blob streams up and down over HTTP while the process grows by far less than its size', async (t) => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('node', probe, { env: { ...process.env, AIN_PROBE_MB: '100' }, timeout: 90_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    );
  });
  const result = JSON.parse(stdout) as { sizeBytes: number; putOk: boolean; getOk: boolean; baselineRssBytes: number; peakRssBytes: number };
  t.true(result.putOk, 'the put was stored');
  t.true(result.getOk, 'the get returned the same bytes');
  const growthBytes = result.peakRssBytes - result.baselineRssBytes;
  t.log(`RSS grew by ${(growthBytes / 1048576).toFixed(1)} MiB for a ${result.sizeBytes / 1048576} MiB blob`);
  t.true(growthBytes < growthBytesMax, `RSS grew by ${growthBytes} bytes`);
});

import test from 'ava';
import { inflateSync } from 'node:zlib';
import { lossCurveCsv, lossCurvePng, lossCurveSvg, type LossSeries } from '../../../runtime/examples/lossCurve.ts';

const series: LossSeries[] = [
  { column: 'data_parallel', name: 'averaged', color: '#1f6feb', losses: [4.8, 0.96, 0.2, 0.044, 0.012] },
  { column: 'one_worker', name: 'one worker', color: '#d1242f', losses: [4.8, 0.9, 0.19, 0.04, 0.011] },
];

/** The RGBA pixels of an 8-bit RGBA, non-interlaced PNG (what resvg writes), its filters undone. */
function pngPixels(png: Buffer): { width: number; height: number; rgba: Buffer } {
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('not 8-bit RGBA without interlace');
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][filter]!;
      rgba[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  return { width, height, rgba };
}

const countColor = ({ rgba }: { rgba: Buffer }, [r, g, b]: readonly number[]) => {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] === r && rgba[i + 1] === g && rgba[i + 2] === b) n++;
  return n;
};

test('the CSV has a line per round, before training first', (t) => {
  const lines = lossCurveCsv(series).trim().split('\n');
  t.is(lines[0], 'round,data_parallel,one_worker');
  t.is(lines[1], '0,4.8,4.8');
  t.is(lines.length, 6);
});

test('the PNG is the SVG plot: 560 × 320 on white, both curves drawn in their colors', async (t) => {
  const png = await lossCurvePng(lossCurveSvg(series, 'Loss'));
  t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const image = pngPixels(png);
  t.deepEqual([image.width, image.height], [560, 320]);
  t.true(countColor(image, [255, 255, 255]) > (560 * 320) / 2);
  t.true(countColor(image, [0x1f, 0x6f, 0xeb]) > 100, 'the first curve');
  t.true(countColor(image, [0xd1, 0x24, 0x2f]) > 50, 'the second, dashed');
});

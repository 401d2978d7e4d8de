import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { boxPlotSvg, BoxStats, escapeXml, niceTicks, unitOf } from './box-plot-svg';

const PYTHON = path.resolve(__dirname, '..', '..', '..', '..', '.venv', 'bin', 'python');

const box = (dayObs: string, median: number, spread = 10): BoxStats => ({ dayObs, p05: median - 2 * spread, q1: median - spread, median, q3: median + spread, p95: median + 2 * spread });
const boxesOf = (svg: string) => svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"\/>/g) ?? [];
const attribute = (element: string, name: string) => Number(new RegExp(`${name}="([\\d.]+)"`).exec(element)![1]);

/** Parses with Python's XML parser: 'ok' or its complaint. */
function wellFormedXml(text: string): string {
  const result = spawnSync(PYTHON, ['-c', 'import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.read()); print("ok")'], { input: text, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : result.stderr;
}

describe('boxPlotSvg', () => {
  it('draws one box per night and series, side by side in the night slot, in the given order', () => {
    const svg = boxPlotSvg(
      [
        { label: 'A', boxes: [box('2025-11-01', 50), box('2025-11-02', 60)] },
        { label: 'B', boxes: [box('2025-11-01', 55), box('2025-11-03', 65)] },
      ],
      { valueName: 'altitude', accumulated: false },
    );
    expect(wellFormedXml(svg)).toBe('ok');
    const rects = boxesOf(svg);
    expect(rects).toHaveLength(4);
    // Series A's first box is left of series B's first box in the same night slot.
    const [a1, , b1] = rects.map((r) => attribute(r, 'x'));
    expect(a1).toBeLessThan(b1);
    expect(svg.indexOf('stroke="#0072B2"')).toBeLessThan(svg.indexOf('stroke="#E69F00"'));
    expect(svg).toContain('altitude (deg)');
    expect(svg).toContain('altitude: visits of each night');
    for (const day of ['2025-11-01', '2025-11-02', '2025-11-03']) expect(svg).toContain(`>${day}</text>`);
    expect(svg).toContain('>A</text>');
    expect(svg).toContain('>B</text>');
  });

  it('puts the box from q1 to q3: a higher median gives a box higher up (smaller y)', () => {
    const svg = boxPlotSvg([{ label: 's', boxes: [box('2025-11-01', 30, 2), box('2025-11-02', 80, 2)] }], { valueName: 'airmass', accumulated: true });
    const [low, high] = boxesOf(svg) as [string, string];
    expect(attribute(high, 'y')).toBeLessThan(attribute(low, 'y'));
    expect(attribute(low, 'height')).toBeCloseTo(attribute(high, 'height'), 1);
    expect(svg).toContain('airmass (dimensionless)');
    expect(svg).toContain('all visits through each night');
  });

  it('leaves out boxes with a NaN statistic, and keeps gaps between nights as gaps', () => {
    const nan = { ...box('2025-11-02', 50), median: NaN };
    const svg = boxPlotSvg([{ label: 's', boxes: [box('2025-11-01', 50), nan, box('2025-11-11', 50)] }], { valueName: 'azimuth', accumulated: false });
    const rects = boxesOf(svg);
    expect(rects).toHaveLength(2);
    expect(svg).not.toContain('NaN');
    // Eleven night slots: the two boxes are ten slots apart, not adjacent.
    const [first, last] = rects.map((r) => attribute(r, 'x'));
    const plotWidth = Number(/<rect x="84" y="56" width="([\d.]+)"/.exec(svg)![1]);
    expect(last - first).toBeCloseTo((10 * plotWidth) / 11, 1);
  });

  it('escapes and shortens labels, and leaves unknown values without a unit', () => {
    const label = 'a <b> & "c" with a label long enough to need shortening';
    const svg = boxPlotSvg([{ label, boxes: [box('2025-11-01', 1, 0.1)] }], { valueName: 'my_value', accumulated: false });
    expect(wellFormedXml(svg)).toBe('ok');
    expect(svg).toContain(`>${escapeXml(label.slice(0, 35))}…</text>`);
    expect(svg).toContain('>my_value</text>');
    expect(unitOf('my_value')).toBeUndefined();
  });
});

describe('niceTicks', () => {
  it.each([
    [0, 1],
    [20.3, 87.9],
    [-3.2, 1e4],
    [26.1, 26.1],
    [0, 0],
  ])('covers [%p, %p] with about six round, evenly spaced ticks', (min, max) => {
    const ticks = niceTicks(min, max);
    expect(ticks[0]).toBeLessThanOrEqual(min);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(10);
    const step = ticks[1] - ticks[0];
    const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
    expect([1, 2, 5]).toContain(mantissa);
    ticks.slice(1).forEach((tick, i) => expect(tick - ticks[i]).toBeCloseTo(step, 9));
  });
});

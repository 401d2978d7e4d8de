import { boxPlotSvg } from './box-plot-svg';
import { pngAvailable, svgToPng } from './png';

it('rasterises a plot to a PNG at twice its width', () => {
  expect(pngAvailable()).toBe(true); // @resvg/resvg-js is a dependency of the workspace
  const svg = boxPlotSvg([{ label: 's', boxes: [{ dayObs: '2025-11-01', p05: 1, q1: 2, median: 3, q3: 4, p95: 5 }] }], { valueName: 'altitude', accumulated: false, width: 600, height: 300 });
  const png = svgToPng(svg, 600);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 600]);
});

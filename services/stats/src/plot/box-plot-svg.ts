/**
 * Box-and-whisker plots of nightly statistics as SVG, written by hand (no plotting library):
 * one box per night and sequence, whiskers from the 5 % to the 95 % quantile, the box from the
 * first to the third quartile, the median as a bar across it. Sequences share each night's
 * slot side by side, in the order given, each with its colour and a legend entry.
 */
import { dayObsOfNight, nightOfDayObs } from '@visitsarch/day-obs';

/** The statistics one box needs. */
export interface BoxStats {
  dayObs: string;
  p05: number;
  q1: number;
  median: number;
  q3: number;
  p95: number;
}

export interface BoxSeries {
  label: string;
  boxes: BoxStats[];
}

export interface BoxPlotOptions {
  valueName: string;
  accumulated: boolean;
  width?: number;
  height?: number;
}

/** Colour-blind-safe (Okabe–Ito) colours, cycled over the series. */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Units of the usual visit columns, for the y-axis label. */
const UNITS: Record<string, string> = {
  altitude: 'deg', azimuth: 'deg', s_ra: 'deg', s_dec: 'deg', fieldRA: 'deg', fieldDec: 'deg', sky_rotation: 'deg', rotSkyPos: 'deg',
  rotTelPos: 'deg', paraAngle: 'deg', moonAlt: 'deg', sunAlt: 'deg', moonDistance: 'deg', solarElong: 'deg', slewDistance: 'deg',
  zenith_distance: 'deg', airmass: 'dimensionless', skyBrightness: 'mag/arcsec²', fiveSigmaDepth: 'mag', seeingFwhmEff: 'arcsec',
  seeingFwhmGeom: 'arcsec', seeingFwhm500: 'arcsec', visitExposureTime: 's', visitTime: 's', slewTime: 's', exp_time: 's',
  eff_time_median: 's', psf_area_median: 'pixel²', sky_bg_median: 'electron/pixel', moonPhase: '%',
};

export function unitOf(valueName: string): string | undefined {
  return UNITS[valueName];
}

/** Renders the plot. Boxes with a NaN statistic (e.g. nights without values) are left out. */
export function boxPlotSvg(series: BoxSeries[], options: BoxPlotOptions): string {
  const width = options.width ?? 1000;
  const height = options.height ?? 560;
  // The legend sits right of the plot, so it never hides a box; long labels are shortened.
  const labels = series.map((s) => (s.label.length > 36 ? `${s.label.slice(0, 35)}…` : s.label));
  const legendWidth = 34 + 7.2 * Math.max(...labels.map((label) => label.length));
  const margin = { left: 84, right: legendWidth + 24, top: 56, bottom: 92 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;

  const drawn = series.map((s) => ({ ...s, boxes: s.boxes.filter((b) => [b.p05, b.q1, b.median, b.q3, b.p95].every(Number.isFinite)) }));
  const days = drawn.flatMap((s) => s.boxes.map((b) => nightOfDayObs(b.dayObs)));
  const firstDay = Math.min(...days);
  const lastDay = Math.max(...days);
  const values = drawn.flatMap((s) => s.boxes.flatMap((b) => [b.p05, b.p95]));
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const yMin = ticks[0];
  const yMax = ticks[ticks.length - 1];

  // Nights sit on a date axis (gaps stay gaps); each night's slot is shared by the sequences.
  const slot = plotWidth / (lastDay - firstDay + 1);
  const x = (day: number) => margin.left + (day - firstDay + 0.5) * slot;
  const y = (value: number) => margin.top + plotHeight - ((value - yMin) / (yMax - yMin)) * plotHeight;
  const boxWidth = (slot * 0.8) / drawn.length;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const unit = unitOf(options.valueName);
  const title = `${options.valueName}: ${options.accumulated ? 'all visits through each night' : 'visits of each night'}`;
  out.push(`<text x="${margin.left + plotWidth / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<text x="${margin.left + plotWidth / 2}" y="42" text-anchor="middle" font-size="11" fill="#555555">whiskers 5–95 %, boxes quartiles, bar median</text>`);

  // Grid and y axis.
  for (const tick of ticks) {
    const ty = fixed(y(tick));
    out.push(`<line x1="${margin.left}" y1="${ty}" x2="${margin.left + plotWidth}" y2="${ty}" stroke="#e3e3e3" stroke-width="1"/>`);
    out.push(`<text x="${margin.left - 8}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(tick, ticks))}</text>`);
  }
  const yLabel = unit ? `${options.valueName} (${unit})` : options.valueName;
  out.push(`<text transform="translate(22 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="14">${escapeXml(yLabel)}</text>`);

  // x axis: at most ~10 labelled nights, evenly spaced, as dates.
  const labelEvery = Math.max(1, Math.ceil((lastDay - firstDay + 1) / 10));
  for (let day = firstDay; day <= lastDay; day += labelEvery) {
    const tx = fixed(x(day));
    const ty = margin.top + plotHeight;
    out.push(`<line x1="${tx}" y1="${ty}" x2="${tx}" y2="${ty + 5}" stroke="#333333"/>`);
    out.push(`<text transform="translate(${tx} ${ty + 10}) rotate(-35)" text-anchor="end" dominant-baseline="hanging" font-size="12">${dayObsOfNight(day)}</text>`);
  }
  out.push(`<text x="${margin.left + plotWidth / 2}" y="${height - 10}" text-anchor="middle" font-size="14">day_obs (night, UTC−12h)</text>`);
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333333"/>`);

  // Boxes.
  drawn.forEach((s, index) => {
    const colour = COLOURS[index % COLOURS.length];
    out.push(`<g stroke="${colour}" fill="${colour}" fill-opacity="0.35" stroke-width="${boxWidth < 3 ? 0.6 : 1.2}">`);
    for (const box of s.boxes) {
      const centre = x(nightOfDayObs(box.dayObs)) + (index - (drawn.length - 1) / 2) * boxWidth;
      const half = boxWidth * 0.45;
      const [left, right, cx] = [fixed(centre - half), fixed(centre + half), fixed(centre)];
      const [capLeft, capRight] = [fixed(centre - half * 0.6), fixed(centre + half * 0.6)];
      const [top, bottom] = [fixed(y(box.p95)), fixed(y(box.p05))];
      out.push(
        `<line x1="${cx}" y1="${top}" x2="${cx}" y2="${fixed(y(box.q3))}"/>` +
          `<line x1="${cx}" y1="${fixed(y(box.q1))}" x2="${cx}" y2="${bottom}"/>` +
          `<line x1="${capLeft}" y1="${top}" x2="${capRight}" y2="${top}"/>` +
          `<line x1="${capLeft}" y1="${bottom}" x2="${capRight}" y2="${bottom}"/>` +
          `<rect x="${left}" y="${fixed(y(box.q3))}" width="${fixed(2 * half)}" height="${fixed(Math.max(0.5, y(box.q1) - y(box.q3)))}"/>` +
          `<line x1="${left}" y1="${fixed(y(box.median))}" x2="${right}" y2="${fixed(y(box.median))}" stroke="#000000" stroke-width="${boxWidth < 3 ? 0.8 : 2}"/>`,
      );
    }
    out.push('</g>');
  });

  // Legend, right of the plot.
  const legendX = margin.left + plotWidth + 12;
  out.push(`<rect x="${legendX}" y="${margin.top}" width="${fixed(legendWidth)}" height="${10 + 20 * drawn.length}" fill="#ffffff" stroke="#999999"/>`);
  drawn.forEach((_s, index) => {
    const colour = COLOURS[index % COLOURS.length];
    const ly = margin.top + 10 + 20 * index;
    out.push(`<rect x="${legendX + 8}" y="${ly}" width="12" height="12" fill="${colour}" fill-opacity="0.35" stroke="${colour}"/>`);
    out.push(`<text x="${legendX + 26}" y="${ly + 6}" dominant-baseline="middle">${escapeXml(labels[index])}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^k, about six of them. */
export function niceTicks(min: number, max: number): number[] {
  if (!(max > min)) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - pad, max + pad);
  }
  const rough = (max - min) / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) as number;
  const ticks: number[] = [];
  for (let tick = Math.floor(min / step) * step; tick < max + step * 1e-9; tick += step) ticks.push(Number(tick.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function formatTick(value: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return value.toFixed(decimals);
}

function fixed(value: number): string {
  return value.toFixed(2);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

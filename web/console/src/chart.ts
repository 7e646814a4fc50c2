// The Reports tab's charts, drawn by uPlot on a canvas. This module is loaded only when a chart is shown, so
// uPlot stays out of the console's main bundle. The x axis is an index into the categories (days or campaigns):
// the server already bucketed the figures in the viewer's time zone, nothing here reads dates.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series { label: string; color: string; values: number[]; kind: 'line' | 'bar' }
export interface ChartSpec { categories: string[]; series: Series[]; height: number }

const bars = uPlot.paths.bars!;

/** Draws the chart into `el`, following its width; returns a function that removes it. */
export function draw(el: HTMLElement, spec: ChartSpec): () => void {
  const n = spec.categories.length;
  const barSeries = spec.series.filter((s) => s.kind === 'bar').length;
  let barNo = 0;
  const x = Array.from({ length: n }, (_, i) => i);
  const max = Math.max(1, ...spec.series.flatMap((s) => s.values));
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height: spec.height,
    padding: [12, 12, 0, 4],
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { live: false },
    scales: {
      x: { time: false, range: () => [-0.5, n - 0.5] },
      y: { range: () => [0, Math.ceil(max * 1.15)] },
    },
    axes: [
      {
        stroke: '#6b7280', grid: { show: false }, ticks: { stroke: '#e5e7eb' },
        incrs: [1, 2, 3, 5, 7, 10, 14, 15, 30, 60, 90],
        // A label wider than its category's slot is cut short (the table beneath has it whole).
        values: (u, splits) => {
          const step = splits.length > 1 ? splits[1] - splits[0] : 1;
          const slot = (u.bbox.width / (window.devicePixelRatio || 1) / Math.max(1, n)) * step;
          const fit = Math.max(4, Math.floor(slot / 7) - 2);
          return splits.map((i) => {
            const text = Number.isInteger(i) && i >= 0 && i < n ? spec.categories[i] : '';
            return text.length > fit ? text.slice(0, fit - 1) + '…' : text;
          });
        },
        font: '12px system-ui, sans-serif',
      },
      {
        stroke: '#6b7280', grid: { stroke: '#f0f1f3' }, ticks: { show: false }, size: 40,
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
        values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        font: '12px system-ui, sans-serif',
      },
    ],
    series: [
      { label: '', value: (_u, i) => (i == null ? '' : spec.categories[i] ?? '') },
      ...spec.series.map((s): uPlot.Series => {
        if (s.kind === 'bar') {
          // Several bar series stand side by side around their category instead of covering each other.
          const align = barSeries === 1 ? 0 : barNo++ === 0 ? -1 : 1;
          return {
            label: s.label, stroke: s.color, fill: s.color + 'cc', width: 0, points: { show: false },
            paths: bars({ size: [barSeries === 1 ? 0.6 : 0.36, 48], align: align as -1 | 0 | 1, radius: 0.15 }),
          };
        }
        return { label: s.label, stroke: s.color, width: 2, points: { show: n <= 45, size: 5, fill: '#fff' } };
      }),
    ],
  };
  const plot = new uPlot(opts, [x, ...spec.series.map((s) => s.values)], el);
  const resize = new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (w !== plot.width) plot.setSize({ width: w, height: spec.height });
  });
  resize.observe(el);
  return () => { resize.disconnect(); plot.destroy(); };
}

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  color: string;
  values: Array<number | null>;
  /** A dashed line, for a second measure of the same thing (p99 beside p50). */
  dashed?: boolean;
}

interface Props {
  /** Seconds since the epoch, one per point. */
  times: number[];
  lines: Line[];
  unit: (v: number) => string;
  height?: number;
  /** A label for tests and screen readers. */
  name: string;
}

/** A time-series chart (uPlot: small, fast, no dependencies), redrawn in place as data arrives. */
export function Chart({ times, lines, unit, height = 200, name }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = lines.map((l) => l.label).join('|');

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max * 1.15, 1e-9) || 1] } },
      axes: [
        { stroke: '#5b6475', grid: { stroke: '#eef0f4' }, ticks: { stroke: '#e2e5eb' } },
        {
          stroke: '#5b6475',
          grid: { stroke: '#eef0f4' },
          ticks: { stroke: '#e2e5eb' },
          size: 64,
          values: (_u, vals) => vals.map((v) => unit(v)),
        },
      ],
      series: [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 2,
          dash: l.dashed ? [6, 4] : undefined,
          fill: l.dashed ? undefined : `${l.color}18`,
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : unit(v)),
        })),
      ],
    };
    plot.current = new uPlot(opts, [times, ...lines.map((l) => l.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([times, ...lines.map((l) => l.values)] as uPlot.AlignedData);
  }, [times, lines]);

  return <div class="chart" ref={box} aria-label={name} data-chart={name} />;
}

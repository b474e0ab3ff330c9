// Small SVG charts drawn by hand (a library would outweigh the three shapes needed). Each chart has a
// text alternative: a table with the same numbers behind a <details> toggle, and an aria-label summary.

export interface Bar {
  label: string;
  value: number;
  /** CSS class of the bar (colour). */
  tone?: string;
}

const ROW = 28;
const LABEL_W = 170;
const WIDTH = 480;
const WIDE = 720;

/** Horizontal bars, one per row, scaled to the largest value. */
export function BarChart({ bars, title, format }: { bars: Bar[]; title: string; format(n: number): string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plot = WIDTH - LABEL_W - 70;
  const height = bars.length * ROW + 8;
  return (
    <svg className="chart" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={title}>
      <title>{title}</title>
      {bars.map((b, i) => {
        const y = i * ROW + 4;
        const w = (b.value / max) * plot;
        return (
          <g key={b.label}>
            <text x={LABEL_W - 8} y={y + ROW / 2 + 3} textAnchor="end">
              {b.label}
            </text>
            <rect
              className={b.tone ?? "bar-funnel"}
              x={LABEL_W}
              y={y + 3}
              width={Math.max(w, 1)}
              height={ROW - 8}
            />
            <text x={LABEL_W + w + 6} y={y + ROW / 2 + 3}>
              {format(b.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface Series {
  label: string;
  tone: string;
  values: number[];
}

/** Grouped columns over time: one group per bucket, one column per series. */
export function ColumnChart({
  buckets,
  series,
  title,
}: {
  buckets: string[];
  series: Series[];
  title: string;
}) {
  const height = 220;
  const base = height - 30;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const group = (WIDE - 40) / Math.max(buckets.length, 1);
  const col = Math.max(2, Math.min(18, (group - 6) / series.length));
  const labelEvery = Math.ceil(buckets.length / 8);
  return (
    <svg className="chart" viewBox={`0 0 ${WIDE} ${height}`} role="img" aria-label={title}>
      <title>{title}</title>
      <line className="axis" x1={36} x2={WIDE} y1={base} y2={base} />
      <text x={30} y={14} textAnchor="end">
        {max}
      </text>
      <text x={30} y={base} textAnchor="end">
        0
      </text>
      {buckets.map((b, i) => {
        const x0 = 40 + i * group;
        return (
          <g key={b}>
            {series.map((s, k) => {
              const h = (s.values[i] / max) * (base - 10);
              return (
                <rect
                  key={s.label}
                  className={s.tone}
                  x={x0 + k * col}
                  y={base - h}
                  width={col - 1}
                  height={h}
                />
              );
            })}
            {i % labelEvery === 0 ? (
              <text x={x0} y={base + 16}>
                {b}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** The numbers of a chart as a table (the chart's text alternative). */
export function ChartTable({
  caption,
  head,
  rows,
}: {
  caption: string;
  head: string[];
  rows: (string | number)[][];
}) {
  return (
    <details>
      <summary>{caption}</summary>
      <table className="table">
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={String(r[0])}>
              {r.map((cell, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed by the head.
                <td key={i}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

// A small SVG line chart (no chart library, D123): time on x, one line per series, a legend, and the
// numbers in a table for screen readers and for copying.
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

export interface Series {
  name: string;
  points: [number, number][]; // [epoch ms, value]
  dashed?: boolean;
}

const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v) ?? v;
}

export function LineChart({
  title,
  series,
  from,
  to,
  unit,
}: {
  title: string;
  series: Series[];
  from: number;
  to: number;
  unit: string;
}) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const time = (t: number) =>
    new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  const empty = series.every((s) => s.points.length === 0);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${title}: ${empty ? 'no data yet' : `${series.length} series`}`}
      >
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text class="axis" x={PAD.left - 6} y={y(max * f) + 4} text-anchor="end">
              {Number((max * f).toPrecision(3))}
            </text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={H - 8}>
          {time(from)}
        </text>
        <text class="axis" x={W - PAD.right} y={H - 8} text-anchor="end">
          {time(to)}
        </text>
        {series.map((s, i) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={COLORS[i % COLORS.length]}
              stroke-width="2"
              stroke-dasharray={s.dashed ? '5 4' : undefined}
              points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
            />
            {s.points.map(([t, v]) => (
              <circle key={t} cx={x(t)} cy={y(v)} r="2.5" fill={COLORS[i % COLORS.length]} />
            ))}
          </g>
        ))}
        {empty ? (
          <text class="axis" x={W / 2} y={H / 2} text-anchor="middle">
            no data in this window yet
          </text>
        ) : null}
      </svg>
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.name}>
            <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} />
            {s.name}
          </li>
        ))}
      </ul>
      <details>
        <summary>Numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Series</th>
              <th scope="col">Time</th>
              <th scope="col">{unit}</th>
            </tr>
          </thead>
          <tbody>
            {series.flatMap((s) =>
              s.points.map(([t, v]) => (
                <tr key={`${s.name}-${t}`}>
                  <td>{s.name}</td>
                  <td>{new Date(t).toLocaleTimeString(undefined, { hour12: false })}</td>
                  <td>{Number(v.toPrecision(4))}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

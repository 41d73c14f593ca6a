// Charts from a run's results as hand-written SVG: fanout deliveries/s per N and server, and
// the latency CDF of each (case, server). No dependencies; the output is plain text to commit.

import type { CaseResult } from './result-types.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const FONT = 'font-family="sans-serif" font-size="12"';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function human(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return n.toFixed(0);
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function legend(names: string[], x: number, y: number): string {
  return names
    .map((n, i) => `<rect x="${x}" y="${y + i * 18}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>` + `<text x="${x + 18}" y="${y + i * 18 + 10}" ${FONT}>${esc(n)}</text>`)
    .join('');
}

/** A chart's page: its size and the margins around the plot area. */
interface Frame {
  W: number;
  H: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
}

function frame(W: number, H: number, left: number, right: number): Frame {
  const top = 40;
  const bottom = 50;
  return { W, H, left, top, plotW: W - left - right, plotH: H - top - bottom };
}

/** The page around a plot: background, title, axis labels, what the plot drew, its legend. */
function page(f: Frame, title: string, axes: { x?: string; y: string }, body: string, legendText: string): string {
  const { W, H, left, top, plotW, plotH } = f;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-family="sans-serif" font-size="15">${esc(title)}</text>` +
    (axes.x === undefined ? '' : `<text x="${left + plotW / 2}" y="${H - 10}" text-anchor="middle" ${FONT}>${esc(axes.x)}</text>`) +
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" ${FONT}>${esc(axes.y)}</text>` +
    body +
    legendText +
    `</svg>\n`
  );
}

/** Grouped bars: one group per case label, one bar per server. */
export function deliveriesChart(results: CaseResult[], title: string): string {
  const rs = results.filter((r) => r.scenario === 'fanout');
  const labels = [...new Set(rs.map((r) => r.label))];
  const servers = [...new Set(rs.map((r) => r.server))];
  const box = frame(640, 360, 70, 150);
  const { left, top, plotW, plotH } = box;
  const max = niceMax(Math.max(1, ...rs.map((r) => r.deliveriesPerS)));
  const groupW = plotW / Math.max(1, labels.length);
  const barW = Math.min(60, (groupW * 0.8) / Math.max(1, servers.length));
  let body = '';
  for (let t = 0; t <= 5; t++) {
    const v = (max * t) / 5;
    const y = top + plotH - (plotH * t) / 5;
    body += `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" ${FONT}>${human(v)}</text>`;
  }
  labels.forEach((label, g) => {
    const gx = left + g * groupW + (groupW - barW * servers.length) / 2;
    servers.forEach((server, s) => {
      const r = rs.find((x) => x.label === label && x.server === server);
      if (r === undefined) return;
      const h = (plotH * r.deliveriesPerS) / max;
      const x = gx + s * barW;
      const y = top + plotH - h;
      body += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[s % COLORS.length]}"/>`;
      body += `<text x="${(x + (barW - 4) / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" ${FONT}>${human(r.deliveriesPerS)}${r.ok ? '' : ' ✗'}</text>`;
    });
    body += `<text x="${(left + g * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 20}" text-anchor="middle" ${FONT}>${esc(label)}</text>`;
  });
  body += `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="black"/>`;
  return page(box, title, { y: 'deliveries/s' }, body, legend(servers, left + plotW + 20, top));
}

/** Latency CDFs on a log time axis, one line per (case, server) of the given scenario. */
export function latencyCdfChart(results: CaseResult[], scenario: string, title: string): string {
  const rs = results.filter((r) => r.scenario === scenario && r.latencyCdf.length > 0);
  const box = frame(640, 380, 60, 190);
  const { left, top, plotW, plotH } = box;
  const all = rs.flatMap((r) => r.latencyCdf.map((p) => p[0]));
  const lo = Math.max(10, 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...all, 1e9)))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...all, 1)));
  const xOf = (us: number): number => left + (plotW * (Math.log10(Math.max(us, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const yOf = (f: number): number => top + plotH - plotH * f;
  let body = '';
  for (let d = lo; d <= hi; d *= 10) {
    const x = xOf(d);
    const text = d >= 1000 ? `${d / 1000} ms` : `${d} µs`;
    body += `<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + plotH}" stroke="#ddd"/><text x="${x.toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" ${FONT}>${text}</text>`;
  }
  for (const f of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const y = yOf(f);
    body += `<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + plotW}" y2="${y.toFixed(1)}" stroke="#eee"/><text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" ${FONT}>${f}</text>`;
  }
  const names: string[] = [];
  rs.forEach((r, i) => {
    names.push(`${r.label} ${r.server}`);
    let d = `M${xOf(r.latencyCdf[0]![0]).toFixed(1)},${yOf(0).toFixed(1)}`;
    for (const [us, f] of r.latencyCdf) d += ` L${xOf(us).toFixed(1)},${yOf(f).toFixed(1)}`;
    body += `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"${i % 2 === 1 ? ' stroke-dasharray="6 3"' : ''}/>`;
  });
  body += `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="black"/>`;
  return page(box, title, { x: 'latency, send to receipt (log scale)', y: 'fraction of deliveries' }, body, legend(names, left + plotW + 16, top));
}

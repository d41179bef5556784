// Small hand-written SVG charts for the StreamRLHF dashboard: lines, bands and bars on a numeric, time or
// version axis, with gridlines, a legend and a hover read-out. No dependencies, nothing from the network.
'use strict';

const Charts = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16',
    '#64748b', '#f97316'];
  const MARGIN = { top: 10, right: 14, bottom: 24, left: 46 };

  function svg(tag, attrs, parent) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(tag, className, parent, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // Round step sizes (1, 2, 2.5, 5 × 10^k) giving about `count` ticks over [min, max].
  function niceTicks(min, max, count) {
    if (!(max > min)) return [min];
    const raw = (max - min) / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || 10 * mag;
    const ticks = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
      ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return ticks;
  }

  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
    .map(s => s * 1000);

  function timeTicks(min, max, count) {
    const raw = (max - min) / Math.max(1, count);
    const step = TIME_STEPS.find(s => s >= raw) || TIME_STEPS[TIME_STEPS.length - 1];
    const offset = new Date(min).getTimezoneOffset() * 60000;
    const ticks = [];
    for (let v = Math.ceil((min - offset) / step) * step + offset; v <= max; v += step) ticks.push(v);
    return { ticks, step };
  }

  function pad2(n) { return String(n).padStart(2, '0'); }

  function formatTime(ms, withSeconds) {
    const d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + (withSeconds ? ':' + pad2(d.getSeconds()) : '');
  }

  function formatNumber(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    if (Number.isInteger(v)) return String(v);
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    if (a === 0) return '0';
    if (a >= 0.001) return v.toFixed(3);
    return v.toExponential(1);
  }

  function formatPercent(v) {
    return v === null || v === undefined || !isFinite(v) ? '–' : (v * 100).toFixed(1) + '%';
  }

  // Renders a chart into `container` (replacing what was there).
  // opts: { series: [{ name, color, points: [[x, y]], band: [[x, lo, hi]], kind: 'line' | 'bar', dots }],
  //         x: { type: 'number' | 'time' | 'version' }, y: { min, max, format }, empty: 'message' }
  function render(container, opts) {
    const width = Math.max(120, container.clientWidth);
    const height = Math.max(80, container.clientHeight);
    container.textContent = '';
    const series = (opts.series || []).filter(s => (s.points && s.points.length) || (s.band && s.band.length));
    series.forEach((s, i) => { s.color = s.color || PALETTE[i % PALETTE.length]; });
    if (!series.length) {
      html('div', 'empty', container, opts.empty || 'No data yet');
      legend(container, []);
      return;
    }
    const xType = (opts.x && opts.x.type) || 'number';
    const yOpts = opts.y || {};
    const fmtY = yOpts.format || formatNumber;
    let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
    for (const s of series) {
      for (const [x, y] of s.points || []) {
        xMin = Math.min(xMin, x); xMax = Math.max(xMax, x); yMin = Math.min(yMin, y); yMax = Math.max(yMax, y);
      }
      for (const [x, lo, hi] of s.band || []) {
        xMin = Math.min(xMin, x); xMax = Math.max(xMax, x); yMin = Math.min(yMin, lo); yMax = Math.max(yMax, hi);
      }
    }
    const hasBars = series.some(s => s.kind === 'bar');
    let barWidth = 0;
    if (hasBars) {
      const xs = [...new Set(series.flatMap(s => s.points.map(p => p[0])))].sort((a, b) => a - b);
      let gap = opts.x && opts.x.step ? opts.x.step : Infinity;
      for (let i = 1; i < xs.length; i++) gap = Math.min(gap, xs[i] - xs[i - 1]);
      if (!isFinite(gap)) gap = xType === 'time' ? 60000 : 1;
      xMin -= gap / 2; xMax += gap / 2; barWidth = gap;
      yMin = Math.min(0, yMin);
    }
    if (xMin === xMax) { const d = xType === 'time' ? 30000 : 0.5; xMin -= d; xMax += d; }
    if (yOpts.zero) yMin = Math.min(0, yMin);
    if (yOpts.min !== undefined) yMin = Math.min(yOpts.min, yMin);
    if (yOpts.max !== undefined) yMax = Math.max(yOpts.max, yMax);
    if (yMin === yMax) { const d = Math.abs(yMin) * 0.1 || 1; yMin -= d; yMax += d; }
    if (yOpts.min === undefined && !hasBars && !yOpts.zero) {
      // Breathing room around the data, without inventing negative values for a non-negative metric.
      const pad = (yMax - yMin) * 0.04;
      yMin = yMin >= 0 ? Math.max(0, yMin - pad) : yMin - pad;
      yMax += pad;
    }
    else if (yOpts.max === undefined) yMax += (yMax - yMin) * 0.04;
    const yCount = Math.max(2, Math.floor(height / 38));
    if (yOpts.max === undefined || yOpts.min === undefined) {
      // Let a free end of the axis reach the next round tick, so the top gridline carries a label.
      const step = niceTicks(yMin, yMax, yCount);
      const d = step.length > 1 ? step[1] - step[0] : 0;
      if (d > 0 && yOpts.max === undefined) yMax = Math.ceil(yMax / d - 1e-9) * d;
      if (d > 0 && yOpts.min === undefined && yMin < 0) yMin = Math.floor(yMin / d + 1e-9) * d;
    }
    let yTicks = niceTicks(yMin, yMax, yCount);
    if (yOpts.integer) {
      yTicks = yTicks.filter(Number.isInteger);
      if (yTicks.length < 2) yTicks = [0, Math.max(1, Math.ceil(yMax))];
    }
    if (yOpts.min === undefined) yMin = Math.min(yMin, yTicks[0]);
    yMax = Math.max(yMax, yTicks[yTicks.length - 1]);

    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const sx = x => MARGIN.left + (x - xMin) / (xMax - xMin) * plotW;
    const sy = y => MARGIN.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;

    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img' }, container);
    if (opts.title) svg('title', {}, root).textContent = opts.title;
    const axis = svg('g', { class: 'axis' }, root);
    for (const t of yTicks) {
      if (t < yMin - 1e-12 || t > yMax + 1e-12) continue;
      svg('line', { class: 'gridline', x1: MARGIN.left, x2: width - MARGIN.right, y1: sy(t), y2: sy(t) }, axis);
      svg('text', { x: MARGIN.left - 6, y: sy(t) + 3.5, 'text-anchor': 'end' }, axis).textContent = fmtY(t);
    }
    svg('line', { class: 'baseline', x1: MARGIN.left, x2: width - MARGIN.right, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH }, axis);
    let xTicks, fmtX;
    const xCount = Math.max(2, Math.floor(plotW / (xType === 'version' ? 36 : xType === 'time' ? 70 : 60)));
    if (xType === 'time') {
      const t = timeTicks(xMin, xMax, xCount);
      xTicks = t.ticks;
      fmtX = v => formatTime(v, t.step < 60000);
    } else if (xType === 'version') {
      const lo = Math.ceil(xMin), hi = Math.floor(xMax);
      xTicks = hi - lo <= xCount ? Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
        : niceTicks(lo, hi, xCount).filter(v => Number.isInteger(v));
      fmtX = v => 'v' + v;
    } else {
      xTicks = niceTicks(xMin, xMax, xCount);
      fmtX = formatNumber;
    }
    for (const t of xTicks) {
      if (t < xMin || t > xMax) continue;
      svg('text', { x: sx(t), y: height - 6, 'text-anchor': 'middle' }, axis).textContent = fmtX(t);
    }

    const plot = svg('g', {}, root);
    const barSeries = series.filter(s => s.kind === 'bar');
    barSeries.forEach((s, i) => {
      const bw = Math.max(1, (sx(xMin + barWidth) - sx(xMin)) * 0.78 / barSeries.length);
      for (const [x, y] of s.points) {
        const left = sx(x) - bw * barSeries.length / 2 + i * bw;
        svg('rect', { x: left, y: Math.min(sy(y), sy(0)), width: bw, height: Math.max(1, Math.abs(sy(0) - sy(y))),
          fill: s.color, rx: 1.5, opacity: 0.9 }, plot);
      }
    });
    for (const s of series) {
      if (s.band && s.band.length) {
        const top = s.band.map(([x, , hi]) => `${sx(x)},${sy(hi)}`);
        const bottom = s.band.slice().reverse().map(([x, lo]) => `${sx(x)},${sy(lo)}`);
        svg('polygon', { points: top.concat(bottom).join(' '), fill: s.color, opacity: 0.13 }, plot);
      }
    }
    for (const s of series) {
      if (s.kind === 'bar' || !s.points.length) continue;
      const d = s.points.map(([x, y], i) => (i ? 'L' : 'M') + sx(x).toFixed(1) + ',' + sy(y).toFixed(1)).join('');
      svg('path', { d, fill: 'none', stroke: s.color, 'stroke-width': s.width || 1.8, 'stroke-linejoin': 'round',
        'stroke-linecap': 'round', 'stroke-dasharray': s.dashed ? '4 3' : 'none' }, plot);
      const dots = s.dots !== undefined ? s.dots : s.points.length <= 40;
      if (dots) {
        for (const [x, y] of s.points) {
          svg('circle', { cx: sx(x), cy: sy(y), r: 2.8, fill: '#fff', stroke: s.color, 'stroke-width': 1.6 }, plot);
        }
      }
    }
    hover(container, root, series, { sx, sy, xMin, xMax, plotH, fmtX: xType === 'time' ? v => formatTime(v, true) : fmtX, fmtY, width });
    legend(container, opts.legend === false ? [] : series.filter(s => s.name));
  }

  function legend(container, series) {
    const box = html('div', 'legend', container);
    if (series.length < 2 && !(series.length === 1 && series[0].legend)) return;
    for (const s of series) {
      const item = html('span', '', box);
      const swatch = html('i', '', item);
      swatch.style.background = s.color;
      if (s.kind === 'bar') { swatch.style.height = '8px'; swatch.style.width = '8px'; }
      item.appendChild(document.createTextNode(s.name));
    }
  }

  function hover(container, root, series, g) {
    const line = svg('line', { class: 'hover-line', y1: MARGIN.top, y2: MARGIN.top + g.plotH, visibility: 'hidden' }, root);
    let tip = null;
    root.addEventListener('mouseleave', () => { line.setAttribute('visibility', 'hidden'); if (tip) tip.remove(); tip = null; });
    root.addEventListener('mousemove', ev => {
      const box = root.getBoundingClientRect();
      const px = (ev.clientX - box.left) * (g.width / box.width);
      let best = null;
      for (const s of series) {
        for (const p of s.points || []) {
          const d = Math.abs(g.sx(p[0]) - px);
          if (!best || d < best.d) best = { d, x: p[0] };
        }
      }
      if (!best) return;
      line.setAttribute('x1', g.sx(best.x)); line.setAttribute('x2', g.sx(best.x));
      line.setAttribute('visibility', 'visible');
      if (!tip) tip = html('div', 'tooltip', container);
      tip.textContent = '';
      html('div', 't', tip, g.fmtX(best.x));
      for (const s of series) {
        const p = (s.points || []).find(q => q[0] === best.x);
        if (!p) continue;
        const row = html('div', '', tip);
        html('i', '', row).style.background = s.color;
        row.appendChild(document.createTextNode((s.name ? s.name + '  ' : '') + g.fmtY(p[1])));
      }
      const left = g.sx(best.x) * (box.width / g.width);
      tip.style.left = Math.min(left + 10, box.width - tip.offsetWidth - 4) + 'px';
      tip.style.top = '4px';
    });
  }

  return { render, formatNumber, formatPercent, formatTime, PALETTE };
})();

// Charts: the API's days as the dense columns a chart draws (a day no collection covered
// is a gap, null, never a zero), the 7-day average, uPlot set up the dashboard's way, and
// the SVG sparklines of the tables.
'use strict';

(() => {
  const { DAY_S, hooks, dayNum, dayStr, cssVar, fmtNum, numberFormat } = window.ghtraffic;

  // ---- days as columns ---------------------------------------------------------------

  function spanOf(answer) {
    return {
      first: answer && answer.from ? dayNum(answer.from) : null,
      last: answer && answer.to ? dayNum(answer.to) : null,
    };
  }

  // Dense columns over [from, to] from a list of {date, ...}; a day absent from the list
  // is a gap (null), like a day the API reports as null.
  function columns(days, from, to, fields) {
    const byDay = new Map();
    for (const d of days || []) byDay.set(dayNum(d.date), d);
    const out = { days: [], x: [] };
    for (const f of fields) out[f] = [];
    for (let n = from; n <= to; n++) {
      out.days.push(n);
      out.x.push(n * DAY_S);
      const d = byDay.get(n);
      for (const f of fields) {
        const v = d ? d[f] : null;
        out[f].push(v === undefined ? null : v);
      }
    }
    return out;
  }

  // 7-day trailing average over the covered days of each window, computed from the
  // whole series so the first days of a range are averaged too. `partial` marks the
  // windows that include a gap.
  function trailingAverage(allDays, values, drawnDays) {
    const byDay = new Map();
    allDays.forEach((n, i) => byDay.set(n, values[i]));
    const avg = [];
    const partial = [];
    for (const n of drawnDays) {
      let sum = 0;
      let covered = 0;
      for (let k = n - 6; k <= n; k++) {
        const v = byDay.get(k);
        if (v !== null && v !== undefined) {
          sum += v;
          covered += 1;
        }
      }
      avg.push(covered ? sum / covered : null);
      partial.push(covered > 0 && covered < 7);
    }
    return { avg, partial };
  }

  // ---- charts ------------------------------------------------------------------------

  const resizers = new Map();

  function destroyCharts() {
    for (const chart of Object.values(hooks.charts)) chart.destroy();
    hooks.charts = {};
    for (const observer of resizers.values()) observer.disconnect();
    resizers.clear();
  }

  // Indices of points with no drawn neighbour: a line cannot show them, a dot can.
  function isolatedPoints(values) {
    const out = [];
    for (let i = 0; i < values.length; i++) {
      if (values[i] === null) continue;
      const before = i > 0 ? values[i - 1] : null;
      const after = i + 1 < values.length ? values[i + 1] : null;
      if (before === null && after === null) out.push(i);
    }
    return out;
  }

  // series: [{label, values, color, dash, width, fill, format}]
  function drawChart(key, container, x, series, options = {}) {
    const text = cssVar('--fg');
    const grid = cssVar('--grid');
    const height = options.height || (window.innerWidth < 600 ? 200 : 260);
    const width = Math.max(container.clientWidth, 240);
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts = {
      width,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 'Date', value: (u, v) => (v === null || v === undefined ? '–' : dayStr(Math.round(v / DAY_S))) },
        ...series.map((s) => {
          const isolated = isolatedPoints(s.values);
          return {
            label: s.label,
            stroke: s.color,
            width: s.width || 2,
            dash: s.dash,
            fill: s.fill,
            spanGaps: false,
            value: (u, v) => (s.format || fmtNum)(v),
            points: {
              size: 5,
              fill: s.color,
              filter: (u, i, show) => (show ? null : isolated),
            },
          };
        }),
      ],
      axes: [
        { ...axis },
        { ...axis, size: 56, values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? numberFormat.format(v) : '')) },
      ],
    };
    const data = [x, ...series.map((s) => s.values)];
    container.replaceChildren();
    if (hooks.charts[key]) hooks.charts[key].destroy();
    const chart = new uPlot(opts, data, container);
    chart.root.setAttribute('role', 'img');
    chart.root.setAttribute('aria-label', options.description || key);
    hooks.charts[key] = chart;
    if (resizers.has(key)) resizers.get(key).disconnect();
    let lastWidth = width;
    const observer = new ResizeObserver(() => {
      const w = Math.max(container.clientWidth, 240);
      if (w !== lastWidth) {
        lastWidth = w;
        chart.setSize({ width: w, height });
      }
    });
    observer.observe(container);
    resizers.set(key, observer);
    return chart;
  }

  // ---- sparklines --------------------------------------------------------------------

  function sparkline(values, label) {
    const ns = 'http://www.w3.org/2000/svg';
    const w = 120;
    const h = 28;
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('class', 'sparkline');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    const title = document.createElementNS(ns, 'title');
    title.textContent = label;
    svg.append(title);
    const base = document.createElementNS(ns, 'line');
    base.setAttribute('x1', '0');
    base.setAttribute('x2', String(w));
    base.setAttribute('y1', String(h - 1));
    base.setAttribute('y2', String(h - 1));
    base.setAttribute('class', 'base');
    svg.append(base);
    const max = Math.max(1, ...values.filter((v) => v !== null));
    const step = values.length > 1 ? w / (values.length - 1) : 0;
    const point = (v, i) => [(i * step).toFixed(1), (h - 2 - (v / max) * (h - 5)).toFixed(1)];
    let run = [];
    const flush = () => {
      if (run.length === 1) {
        const c = document.createElementNS(ns, 'circle');
        c.setAttribute('cx', run[0][0]);
        c.setAttribute('cy', run[0][1]);
        c.setAttribute('r', '1.6');
        svg.append(c);
      } else if (run.length > 1) {
        const line = document.createElementNS(ns, 'polyline');
        line.setAttribute('points', run.map((p) => p.join(',')).join(' '));
        line.setAttribute('vector-effect', 'non-scaling-stroke');
        svg.append(line);
      }
      run = [];
    };
    values.forEach((v, i) => (v === null ? flush() : run.push(point(v, i))));
    flush();
    return svg;
  }

  Object.assign(window.ghtraffic, { spanOf, columns, trailingAverage, destroyCharts, drawChart, sparkline });
})();

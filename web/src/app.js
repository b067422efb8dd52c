// The ghtraffic dashboard: overview, repository page and compare view over the JSON API
// (docs/api.md). Served by `ghtraffic serve`, or inlined by `ghtraffic report` with the
// API's answers in <script id="ghtraffic-data">. Every string from the API goes into the
// page through textContent and DOM attributes only: repository names, paths, titles and
// referrers come from GitHub and are treated as hostile.
'use strict';

(() => {
  const DAY_MS = 864e5;
  const DAY_S = 86400;
  const RANGES = ['14', '30', '90', '365', 'all'];

  const state = {
    range: { kind: '30', from: null, to: null },
    sort: { key: 'views_14d', dir: -1 },
    filter: '',
    checked: new Set(),
    average: false,
  };

  // Hooks for the browser tests: the chart instances, the state of the last render, and
  // api() (which a report answers from its islands).
  const hooks = { charts: {}, view: null, ready: false, renders: 0, csvText: null, api: null };
  window.__ghtraffic = hooks;

  // ---- data --------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  let island;
  function islandData() {
    if (island === undefined) {
      const element = document.getElementById('ghtraffic-data');
      island = element ? JSON.parse(element.textContent) : null;
    }
    return island;
  }
  const isReport = () => islandData() !== null;

  // A report holds the overview's answers in its main island, every repository's daily
  // figures as columns ("report:daily"), and the rest of each repository's answers in an
  // island of its own ("report:islands" names it), parsed when its page first needs it.
  const repoIslands = new Map();
  function repoIsland(data, name) {
    const index = (data['report:islands'] || {})[name];
    if (index === undefined) return null;
    if (!repoIslands.has(index)) {
      const element = document.getElementById(`ghtraffic-repo-${index}`);
      repoIslands.set(index, element ? JSON.parse(element.textContent) : {});
    }
    return repoIslands.get(index);
  }

  // /api/daily as the server answers it, from the columns: the selection's days from its
  // first stored day to its last, split by repository or summed.
  function dailyFromColumns(columns, url) {
    const asked = url.searchParams.getAll('repo');
    const wanted = asked.length ? [...new Set(asked)] : Object.keys(columns);
    for (const name of wanted) {
      if (!Object.prototype.hasOwnProperty.call(columns, name)) {
        throw new ApiError(404, `repo: no repository ${name} in this report`);
      }
    }
    let first = null;
    let last = null;
    for (const name of wanted) {
      const c = columns[name];
      if (c.from === null || !c.views.length) continue;
      const start = dayNum(c.from);
      first = first === null ? start : Math.min(first, start);
      last = last === null ? start + c.views.length - 1 : Math.max(last, start + c.views.length - 1);
    }
    const answer = { repos: wanted, from: first === null ? null : dayStr(first), to: last === null ? null : dayStr(last) };
    const length = first === null ? 0 : last - first + 1;
    const empty = () => Array.from({ length }, (_, i) => ({ date: dayStr(first + i), views: null, views_unique: null, clones: null, clones_unique: null, covered: 0 }));
    const add = (a, b) => (b === null ? a : (a || 0) + b);
    // Adds a repository's columns into days (a gap adds nothing: a day no repository
    // covered stays null).
    const addInto = (days, c) => {
      if (c.from === null) return;
      const offset = dayNum(c.from) - first;
      for (let i = 0; i < c.views.length; i++) {
        const day = days[offset + i];
        day.views = add(day.views, c.views[i]);
        day.views_unique = add(day.views_unique, c.views_unique[i]);
        day.clones = add(day.clones, c.clones[i]);
        day.clones_unique = add(day.clones_unique, c.clones_unique[i]);
        if (c.views[i] !== null || c.clones[i] !== null) day.covered += 1;
      }
    };
    if (url.searchParams.get('split') === '1') {
      answer.series = {};
      for (const name of wanted) {
        const days = empty();
        addInto(days, columns[name]);
        answer.series[name] = days;
      }
    } else {
      answer.days = empty();
      for (const name of wanted) addInto(answer.days, columns[name]);
    }
    return answer;
  }

  function fromIsland(data, path) {
    if (Object.prototype.hasOwnProperty.call(data, path)) return data[path];
    const url = new URL(path, 'http://report.invalid');
    if (url.pathname === '/api/daily' && data['report:daily']) return dailyFromColumns(data['report:daily'], url);
    const repo = url.searchParams.get('repo');
    const island = repo === null ? null : repoIsland(data, repo);
    if (island && Object.prototype.hasOwnProperty.call(island, path)) return island[path];
    throw new ApiError(404, `this report has no answer for ${path}`);
  }

  const cache = new Map();
  async function api(path) {
    const data = islandData();
    if (data) return fromIsland(data, path);
    if (!cache.has(path)) {
      const request = (async () => {
        const response = await fetch('.' + path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        let body = null;
        try {
          body = await response.json();
        } catch (e) {
          body = null;
        }
        if (!response.ok) {
          throw new ApiError(response.status, (body && body.error) || `${path}: HTTP ${response.status}`);
        }
        return body;
      })();
      cache.set(path, request);
      request.catch(() => cache.delete(path));
    }
    return cache.get(path);
  }

  hooks.api = api;

  const repoQuery = (names) => names.map((n) => 'repo=' + encodeURIComponent(n)).join('&');

  // ---- days --------------------------------------------------------------------------

  const dayNum = (text) => Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10)) / DAY_MS;
  const dayStr = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);
  const isDay = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || '') && dayStr(dayNum(text)) === text;

  let today = null;
  function todayNum() {
    return today !== null ? today : Math.floor(Date.now() / DAY_MS);
  }

  // The days to draw: the range control applied to the data's span and today.
  function resolveRange(firstDay, lastDay) {
    const end = Math.max(todayNum(), lastDay === null ? -Infinity : lastDay);
    const r = state.range;
    if (r.kind === 'custom' && r.from !== null && r.to !== null) return { from: r.from, to: r.to };
    if (r.kind === 'all') {
      return { from: firstDay === null ? end - 29 : Math.min(firstDay, end), to: end };
    }
    const n = Number(r.kind) || 30;
    return { from: end - n + 1, to: end };
  }

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

  // ---- DOM helpers -------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key in node && typeof node[key] !== 'function' && key !== 'list') node[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const numberFormat = new Intl.NumberFormat('en-US');
  const fmtNum = (v) => (v === null || v === undefined ? '–' : numberFormat.format(v));
  const fmtAvg = (v) => (v === null || v === undefined ? '–' : (Math.round(v * 10) / 10).toFixed(1));

  function fmtTime(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
  }

  // replaceChildren() would print a null as "null".
  const setChildren = (node, ...children) => node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));

  const repoHref = (name) => '#/repo/' + name.split('/').map(encodeURIComponent).join('/');

  // ---- CSV ---------------------------------------------------------------------------

  function csvCell(value) {
    let text = value === null || value === undefined ? '' : String(value);
    // A spreadsheet would run a text cell that starts like a formula; numbers stay numbers.
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    if (/[",\r\n]/.test(text)) text = '"' + text.replace(/"/g, '""') + '"';
    return text;
  }

  function csvText(header, rows) {
    return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
  }

  hooks.csvText = csvText;

  function download(filename, text) {
    const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function csvButton(label, filename, build) {
    return el('button', {
      type: 'button',
      class: 'csv',
      text: 'Download CSV',
      'aria-label': `Download CSV: ${label}`,
      onclick: () => {
        const { header, rows } = build();
        download(filename(), csvText(header, rows));
      },
    });
  }

  const safeName = (text) => text.replace(/[^A-Za-z0-9._-]+/g, '_');
  const rangeSuffix = (r) => `${dayStr(r.from)}_${dayStr(r.to)}`;

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

  function panel(title, tools, ...body) {
    return el('section', { class: 'panel' },
      el('div', { class: 'panel-head' }, el('h2', { text: title }), el('div', { class: 'panel-tools' }, tools)),
      body);
  }

  // ---- status strip ------------------------------------------------------------------

  let lastRunSeen;
  async function renderStatus() {
    const strip = document.getElementById('status');
    let status;
    try {
      status = await api('/api/status');
    } catch (e) {
      strip.hidden = true;
      return;
    }
    const runKey = status.last_run ? status.last_run.finished_at || status.last_run.started_at : null;
    if (lastRunSeen !== undefined && runKey !== lastRunSeen) {
      cache.clear();
      render();
    }
    lastRunSeen = runKey;

    const items = [];
    const item = (label, value, cls) => el('span', null, label + ' ', el('strong', { class: cls, text: value }));
    if (status.generated_at) items.push(item('Report generated', fmtTime(status.generated_at)));
    const run = status.last_run;
    if (run) {
      const outcome = run.finished_at === null ? 'unfinished' : run.ok ? 'ok' : `${run.repos_failed} failed`;
      items.push(item('Last collection', `${fmtTime(run.finished_at || run.started_at)} (${outcome})`, run.ok ? 'good' : 'bad'));
    } else {
      items.push(item('Last collection', 'none yet'));
    }
    const scheduler = status.scheduler || {};
    if (scheduler.running) items.push(item('Collecting', 'now'));
    if (scheduler.enabled && scheduler.next_run_at) {
      items.push(item('Next', fmtTime(scheduler.next_run_at)));
    } else if (!status.generated_at) {
      items.push(item('Schedule', scheduler.disabled_reason ? `off: ${scheduler.disabled_reason}` : 'off'));
    }
    const limit = status.rate_limit || {};
    if (limit.remaining !== null && limit.remaining !== undefined) {
      items.push(item('Rate limit', `${fmtNum(limit.remaining)} of ${fmtNum(limit.limit)} left` +
        (limit.reset ? `, resets ${fmtTime(limit.reset)}` : '')));
    }
    if (run && run.errors && run.errors.length) {
      items.push(el('details', null,
        el('summary', { class: 'bad', text: `${run.errors.length} error${run.errors.length === 1 ? '' : 's'} in the last collection` }),
        el('ul', null, run.errors.map((e) => el('li', null, e.repo ? el('strong', { text: e.repo + ': ' }) : null, e.error)))));
    }
    setChildren(strip, items);
    strip.hidden = false;
  }

  // ---- range control -----------------------------------------------------------------

  function syncRangeControl(range) {
    const control = document.getElementById('range-control');
    for (const button of control.querySelectorAll('button[data-range]')) {
      button.setAttribute('aria-pressed', String(button.dataset.range === state.range.kind));
    }
    if (range) {
      document.getElementById('range-from').value = dayStr(range.from);
      document.getElementById('range-to').value = dayStr(range.to);
    }
  }

  function setupRangeControl() {
    const control = document.getElementById('range-control');
    control.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-range]');
      if (!button) return;
      state.range = { kind: button.dataset.range, from: null, to: null };
      render();
    });
    const from = document.getElementById('range-from');
    const to = document.getElementById('range-to');
    const apply = () => {
      if (!isDay(from.value) || !isDay(to.value)) return;
      let a = dayNum(from.value);
      let b = dayNum(to.value);
      if (a > b) [a, b] = [b, a];
      state.range = { kind: 'custom', from: a, to: b };
      render();
    };
    from.addEventListener('change', apply);
    to.addEventListener('change', apply);
  }

  // ---- overview ----------------------------------------------------------------------

  const FIRST_ROWS = 100;
  const ROWS_PER_FRAME = 200;
  const COLUMNS = [
    { key: 'repo', label: 'Repository', type: 'text' },
    { key: 'views_14d', label: 'Views 14 d' },
    { key: 'uniques_14d', label: 'Unique visitors 14 d', title: "GitHub's own de-duplicated figure for its latest 14-day window; daily uniques are never added up" },
    { key: 'views_30d', label: 'Views 30 d' },
    { key: 'sparkline', label: 'Views, last 30 d', sortable: false },
    { key: 'clones_14d', label: 'Clones 14 d' },
    { key: 'clones_30d', label: 'Clones 30 d' },
    { key: 'stars', label: 'Stars' },
    { key: 'forks', label: 'Forks' },
    { key: 'last_collected', label: 'Last collected', type: 'text' },
    { key: 'error', label: 'Errors', type: 'text' },
  ];

  function compareValues(a, b, key) {
    const va = a[key];
    const vb = b[key];
    if (va === null || va === undefined) return vb === null || vb === undefined ? 0 : 1;
    if (vb === null || vb === undefined) return -1;
    if (typeof va === 'number' && typeof vb === 'number') return va - vb;
    return String(va).localeCompare(String(vb));
  }

  function visibleRepos(repos) {
    const needle = state.filter.trim().toLowerCase();
    const rows = repos.filter((r) => !needle || [r.repo, ...(r.names || [])].some((n) => n.toLowerCase().includes(needle)));
    const { key, dir } = state.sort;
    rows.sort((a, b) => {
      const c = compareValues(a, b, key);
      // Missing values go last in both directions.
      const missing = a[key] === null || a[key] === undefined || b[key] === null || b[key] === undefined;
      return (missing ? c : c * dir) || a.repo.localeCompare(b.repo);
    });
    return rows;
  }

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

  function repoRow(r) {
    const checkbox = el('input', {
      type: 'checkbox',
      checked: state.checked.has(r.repo),
      'aria-label': `Select ${r.repo} for the chart and compare`,
      onchange: (event) => {
        if (event.target.checked) state.checked.add(r.repo);
        else state.checked.delete(r.repo);
        hooks.onSelection && hooks.onSelection();
      },
    });
    const badges = [];
    if (r.visibility && r.visibility !== 'public') badges.push(el('span', { class: 'badge', text: r.visibility }));
    if (r.archived) badges.push(el('span', { class: 'badge', text: 'archived' }));
    if (r.fork) badges.push(el('span', { class: 'badge', text: 'fork' }));
    if (r.gap_days_30d > 0) {
      badges.push(el('span', { class: 'badge', text: `${r.gap_days_30d} gap day${r.gap_days_30d === 1 ? '' : 's'}`, title: 'Days of the last 30 that no collection covered' }));
    }
    const formerly = (r.names || []).filter((n) => n !== r.repo);
    const cells = {
      repo: el('td', { class: 'repo' },
        el('a', { href: repoHref(r.repo), text: r.repo }), badges,
        formerly.length ? el('span', { class: 'sub', text: 'formerly ' + formerly.join(', ') }) : null),
      uniques_14d: el('td', {
        text: fmtNum(r.uniques_14d),
        title: r.uniques_14d_window_end ? `GitHub's 14-day unique visitors, window ending ${r.uniques_14d_window_end}` : 'No 14-day window in the last 14 days',
      }),
      sparkline: el('td', null, sparkline(r.sparkline || [], `Daily views of ${r.repo}, last 30 days`)),
      last_collected: el('td', { text: fmtTime(r.last_collected) }),
      error: el('td', null, r.error ? [el('span', { class: 'badge error', text: 'error' }), el('span', { class: 'sub error-text', text: r.error })] : ''),
    };
    return el('tr', { 'data-repo': r.repo },
      el('td', { class: 'check' }, checkbox),
      COLUMNS.map((c) => cells[c.key] || el('td', { text: fmtNum(r[c.key]) })));
  }

  async function overviewChart(container, caption, csvHolder) {
    const names = [...state.checked];
    const answer = await api(overviewDailyPath());
    const span = spanOf(answer);
    const range = resolveRange(span.first, span.last);
    syncRangeControl(range);
    const cols = columns(answer.days, range.from, range.to, ['views', 'clones', 'views_unique', 'clones_unique', 'covered']);
    caption.textContent = names.length
      ? `Summed over ${names.length} checked repositor${names.length === 1 ? 'y' : 'ies'}: ${names.join(', ')}.`
      : `Summed over all ${answer.repos.length} repositories. Check repositories in the table to chart only those.`;
    drawChart('overview', container, cols.x, [
      { label: 'Views', values: cols.views, color: cssVar('--series-1') },
      { label: 'Clones', values: cols.clones, color: cssVar('--series-2') },
    ], { description: 'Daily views and clones' });
    csvHolder.build = () => ({
      header: ['date', 'views', 'clones', 'repositories_covered'],
      rows: cols.days.map((n, i) => [dayStr(n), cols.views[i], cols.clones[i], cols.covered[i] === null ? 0 : cols.covered[i]]),
    });
    csvHolder.name = () => `ghtraffic-daily-${names.length ? 'selection' : 'all'}-${rangeSuffix(range)}.csv`;
  }

  const overviewDailyPath = () => (state.checked.size ? '/api/daily?' + repoQuery([...state.checked]) : '/api/daily');
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

  async function renderOverview(main, isCurrent) {
    // The chart's data is asked for with the table's (api() keeps the answer for
    // overviewChart), so neither waits for the other.
    api(overviewDailyPath()).catch(() => {});
    const answer = await api('/api/repos');
    if (answer.today) today = dayNum(answer.today);
    const repos = answer.repos || [];
    if (!isCurrent()) return;
    for (const name of [...state.checked]) if (!repos.some((r) => r.repo === name)) state.checked.delete(name);

    const chartBox = el('div', { class: 'chart', id: 'overview-chart' });
    const caption = el('p', { class: 'note' });
    const chartCsv = {};
    const chartPanel = panel('Daily views and clones',
      csvButton('daily views and clones', () => chartCsv.name(), () => chartCsv.build()),
      chartBox, caption,
      el('p', { class: 'note', text: 'Days that no collection covered are gaps in the lines, never zeros.' }));

    const tbody = el('tbody', null, el('tr', null, el('td', { colspan: COLUMNS.length + 1, class: 'empty', text: 'Loading the repositories…' })));
    const headCheck = el('input', { type: 'checkbox', 'aria-label': 'Select every listed repository' });
    const headers = COLUMNS.map((c) => {
      const th = el('th', { scope: 'col', class: c.type === 'text' ? 'text' : null, title: c.title });
      if (c.sortable === false) {
        th.textContent = c.label;
      } else {
        th.append(el('button', {
          type: 'button',
          class: 'sort',
          text: c.label,
          'data-key': c.key,
          onclick: () => {
            state.sort = state.sort.key === c.key
              ? { key: c.key, dir: -state.sort.dir }
              : { key: c.key, dir: c.type === 'text' ? 1 : -1 };
            fillBody();
          },
        }));
      }
      return th;
    });
    const count = el('span', { class: 'note' });
    // The first rows at once, the rest a batch per frame: a thousand rows with their
    // sparklines would otherwise hold the page (and the drawn chart) for most of a second.
    // Resolves when every row is in; a newer fill (sort, filter) stops an older one.
    let fillSeq = 0;
    const fillBody = () => {
      const seq = ++fillSeq;
      const rows = visibleRepos(repos);
      tbody.replaceChildren(...rows.slice(0, FIRST_ROWS).map(repoRow));
      const rest = (async () => {
        for (let at = FIRST_ROWS; at < rows.length; at += ROWS_PER_FRAME) {
          await nextFrame();
          if (seq !== fillSeq) return;
          tbody.append(...rows.slice(at, at + ROWS_PER_FRAME).map(repoRow));
        }
      })();
      if (!rows.length) {
        tbody.append(el('tr', null, el('td', { colspan: COLUMNS.length + 1, class: 'empty', text: repos.length ? 'No repository matches the filter.' : 'No repository in the store yet. Run ghtraffic collect.' })));
      }
      headers.forEach((th, i) => {
        const key = COLUMNS[i].key;
        if (key === state.sort.key) th.setAttribute('aria-sort', state.sort.dir > 0 ? 'ascending' : 'descending');
        else th.removeAttribute('aria-sort');
      });
      headCheck.checked = rows.length > 0 && rows.every((r) => state.checked.has(r.repo));
      count.textContent = `${rows.length} of ${repos.length} repositories`;
      return rest;
    };
    const redrawChart = () => overviewChart(chartBox, caption, chartCsv).catch(showError);
    hooks.onSelection = () => {
      const rows = visibleRepos(repos);
      headCheck.checked = rows.length > 0 && rows.every((r) => state.checked.has(r.repo));
      redrawChart();
    };
    headCheck.addEventListener('change', () => {
      for (const r of visibleRepos(repos)) {
        if (headCheck.checked) state.checked.add(r.repo);
        else state.checked.delete(r.repo);
      }
      fillBody();
      redrawChart();
    });

    const filter = el('input', {
      type: 'search',
      id: 'repo-filter',
      placeholder: 'Filter repositories',
      value: state.filter,
      'aria-label': 'Filter repositories by name',
      oninput: (event) => {
        state.filter = event.target.value;
        fillBody();
      },
    });
    const compare = el('button', {
      type: 'button',
      text: 'Compare checked',
      onclick: () => {
        const names = [...state.checked];
        location.hash = '#/compare' + (names.length ? '?' + repoQuery(names) : '');
      },
    });
    const tablePanel = panel('Repositories',
      [el('label', { class: 'filter' }, 'Filter', filter), compare,
        csvButton('repositories table', () => `ghtraffic-repositories-${answer.today || 'today'}.csv`, () => ({
          header: ['repo', 'views_14d', 'unique_visitors_14d_github', 'views_30d', 'clones_14d', 'clones_30d', 'stars', 'forks', 'gap_days_30d', 'last_collected', 'error'],
          rows: visibleRepos(repos).map((r) => [r.repo, r.views_14d, r.uniques_14d, r.views_30d, r.clones_14d, r.clones_30d, r.stars, r.forks, r.gap_days_30d, r.last_collected, r.error]),
        }))],
      el('div', { class: 'table-wrap' },
        el('table', { id: 'repos-table' },
          el('caption', { class: 'note', text: `Figures for the 14 and 30 days ending ${answer.today || 'today'}; the range control changes the charts. Unique visitors are GitHub's own 14-day figure.` }),
          el('thead', null, el('tr', null, el('th', { class: 'check', scope: 'col' }, headCheck), headers)),
          tbody)),
      count);

    setChildren(main, el('h1', { text: 'Repositories' }), chartPanel, tablePanel);
    await overviewChart(chartBox, caption, chartCsv);
    if (!isCurrent()) return;
    // The chart is on screen before the table is built (for bench/dashboard-browser.mjs).
    performance.mark('ghtraffic:overview-chart-drawn');
    await nextFrame();
    if (isCurrent()) await fillBody();
  }

  // ---- repository page ---------------------------------------------------------------

  function stat(label, value, title) {
    return el('div', { class: 'stat', title }, el('span', { class: 'value', text: value }), el('span', { class: 'label', text: label }));
  }

  // A daily chart of one figure and its uniques, optionally as 7-day averages.
  function dailySeries(all, cols, field, uniqueField, labels, colors) {
    if (!state.average) {
      return {
        series: [
          { label: labels[0], values: cols[field], color: colors[0] },
          { label: labels[1], values: cols[uniqueField], color: colors[1], width: 1.5 },
        ],
        csv: {
          header: ['date', field, uniqueField],
          rows: cols.days.map((n, i) => [dayStr(n), cols[field][i], cols[uniqueField][i]]),
        },
      };
    }
    const a = trailingAverage(all.days, all[field], cols.days);
    const b = trailingAverage(all.days, all[uniqueField], cols.days);
    // Windows with a gap are drawn dashed; a solid line is a full 7-day window.
    const split = (avg, partial) => {
      const full = avg.map((v, i) => (partial[i] ? null : v));
      const part = avg.map((v, i) => (partial[i] || partial[i - 1] || partial[i + 1] ? v : null));
      return { full, part };
    };
    const sa = split(a.avg, a.partial);
    const sb = split(b.avg, b.partial);
    return {
      series: [
        { label: `${labels[0]}, 7-day avg`, values: sa.full, color: colors[0], format: fmtAvg },
        { label: 'window with gaps', values: sa.part, color: colors[0], dash: [5, 4], format: fmtAvg },
        { label: `${labels[1]}, 7-day avg`, values: sb.full, color: colors[1], width: 1.5, format: fmtAvg },
        { label: 'window with gaps', values: sb.part, color: colors[1], width: 1.5, dash: [5, 4], format: fmtAvg },
      ],
      csv: {
        header: ['date', `${field}_7d_avg`, `${uniqueField}_7d_avg`, 'window_has_gaps'],
        rows: cols.days.map((n, i) => [dayStr(n), a.avg[i] === null ? null : a.avg[i].toFixed(2),
          b.avg[i] === null ? null : b.avg[i].toFixed(2), a.partial[i] ? 'yes' : 'no']),
      },
    };
  }

  // The latest snapshot in the range and how each entry moved since the one before (R5:
  // snapshots are compared, never summed).
  function topTable(kind, snapshots, range, repo) {
    const keyOf = (e) => (kind === 'paths' ? e.path : e.referrer);
    // The latest snapshot up to the end of the range, compared with the one before it
    // (even if that is older than the range); the sparklines follow up to 30 snapshots.
    const upToEnd = (snapshots || []).filter((s) => dayNum(s.date) <= range.to);
    const latest = upToEnd.length && dayNum(upToEnd[upToEnd.length - 1].date) >= range.from ? upToEnd[upToEnd.length - 1] : null;
    const title = kind === 'paths' ? 'Popular paths' : 'Top referrers';
    if (!latest) {
      return { node: panel(title, null, el('p', { class: 'empty', text: 'No snapshot in this range.' })), csv: null };
    }
    const previous = upToEnd.length > 1 ? upToEnd[upToEnd.length - 2] : null;
    const inRange = upToEnd.slice(-30);
    const rankIn = (snap) => {
      const ranks = new Map();
      (snap ? snap.entries : []).forEach((e, i) => ranks.set(keyOf(e), { rank: i + 1, entry: e }));
      return ranks;
    };
    const before = rankIn(previous);
    const history = inRange.map(rankIn);
    const rows = latest.entries.map((e, i) => {
      const prev = before.get(keyOf(e));
      return {
        rank: i + 1,
        entry: e,
        countChange: prev ? e.count - prev.entry.count : null,
        rankChange: prev ? prev.rank - (i + 1) : null,
        isNew: previous !== null && !prev,
        counts: history.map((h) => (h.has(keyOf(e)) ? h.get(keyOf(e)).entry.count : null)),
      };
    });
    const deltaCell = (value, r) => {
      if (r.isNew) return el('td', { class: 'delta up', text: 'new' });
      if (value === null) return el('td', { class: 'delta same', text: '–' });
      const cls = value > 0 ? 'up' : value < 0 ? 'down' : 'same';
      const text = value > 0 ? `+${fmtNum(value)}` : value < 0 ? `−${fmtNum(-value)}` : '0';
      return el('td', { class: `delta ${cls}`, text });
    };
    const rankCell = (r) => {
      if (r.isNew) return el('td', { class: 'delta up', text: 'new' });
      if (r.rankChange === null) return el('td', { class: 'delta same', text: '–' });
      const v = r.rankChange;
      return el('td', { class: `delta ${v > 0 ? 'up' : v < 0 ? 'down' : 'same'}`, text: v > 0 ? `▲${v}` : v < 0 ? `▼${-v}` : '=', 'aria-label': v > 0 ? `up ${v}` : v < 0 ? `down ${-v}` : 'same rank' });
    };
    const table = el('table', { class: `top-table ${kind}` },
      el('thead', null, el('tr', null,
        el('th', { scope: 'col', text: '#' }),
        el('th', { scope: 'col', class: 'text', text: kind === 'paths' ? 'Path' : 'Referrer' }),
        el('th', { scope: 'col', text: 'Count' }),
        el('th', { scope: 'col', text: 'Uniques' }),
        el('th', { scope: 'col', text: 'Rank change' }),
        el('th', { scope: 'col', text: 'Count change' }),
        el('th', { scope: 'col', text: `Count across ${inRange.length} snapshot${inRange.length === 1 ? '' : 's'}` }))),
      el('tbody', null, rows.map((r) => el('tr', null,
        el('td', { text: String(r.rank) }),
        el('td', { class: 'text' },
          kind === 'paths' ? [el('span', { class: 'path', text: r.entry.path }), el('span', { class: 'sub title', text: r.entry.title || '' })] : el('span', { text: r.entry.referrer })),
        el('td', { text: fmtNum(r.entry.count) }),
        el('td', { text: fmtNum(r.entry.uniques) }),
        rankCell(r),
        deltaCell(r.countChange, r),
        el('td', null, sparkline(r.counts, `Count of ${keyOf(r.entry)} across snapshots`))))));
    const note = el('p', { class: 'note', text: `GitHub's 14-day top 10 as of ${latest.date}` +
      (previous ? `, compared with the snapshot of ${previous.date}. Each snapshot covers 14 days; they are compared, never added up.` : '; there is no earlier snapshot to compare with.') });
    const csv = () => ({
      header: kind === 'paths'
        ? ['snapshot_date', 'rank', 'path', 'title', 'count', 'uniques', 'rank_change', 'count_change']
        : ['snapshot_date', 'rank', 'referrer', 'count', 'uniques', 'rank_change', 'count_change'],
      rows: rows.map((r) => [latest.date, r.rank, ...(kind === 'paths' ? [r.entry.path, r.entry.title] : [r.entry.referrer]),
        r.entry.count, r.entry.uniques, r.isNew ? 'new' : r.rankChange, r.isNew ? 'new' : r.countChange]),
    });
    const node = panel(title,
      csvButton(title.toLowerCase(), () => `ghtraffic-${safeName(repo)}-${kind}-${latest.date}.csv`, csv),
      el('div', { class: 'table-wrap' }, table), note);
    return { node };
  }

  async function renderRepo(main, isCurrent, name) {
    const q = '?repo=' + encodeURIComponent(name);
    // The top-10 tables show the latest snapshot up to the range's end and the 30 before
    // it; the server sends only those (years of daily snapshots are megabytes). A report
    // holds its latest snapshots (ghtraffic report --top-snapshots) under the plain query.
    const r = state.range;
    const topQuery = isReport() ? q : q + '&last=31' + (r.kind === 'custom' && r.from !== null && r.to !== null ? '&to=' + dayStr(r.to) : '');
    const [repos, daily, counters, paths, referrers] = await Promise.all([
      api('/api/repos'), api('/api/daily' + q), api('/api/counters' + q),
      api('/api/paths' + topQuery).catch(() => ({ snapshots: [] })), api('/api/referrers' + topQuery).catch(() => ({ snapshots: [] })),
    ]);
    if (!isCurrent()) return;
    if (repos.today) today = dayNum(repos.today);
    const info = (repos.repos || []).find((r) => r.repo === daily.repos[0]) || {};
    const span = spanOf(daily);
    const range = resolveRange(span.first, span.last);
    syncRangeControl(range);
    const fields = ['views', 'views_unique', 'clones', 'clones_unique'];
    const cols = columns(daily.days, range.from, range.to, fields);
    const all = span.first === null ? columns([], 0, -1, fields) : columns(daily.days, span.first, span.last, fields);
    const displayName = daily.repos[0] || name;

    const averageToggle = el('button', {
      type: 'button',
      id: 'average-toggle',
      'aria-pressed': String(state.average),
      text: '7-day average',
      title: 'Average over the days a collection covered; a dashed line marks windows with gaps',
      onclick: () => {
        state.average = !state.average;
        render();
      },
    });
    const views = dailySeries(all, cols, 'views', 'views_unique', ['Views', 'Unique visitors (daily)'], [cssVar('--series-1'), cssVar('--series-4')]);
    const clones = dailySeries(all, cols, 'clones', 'clones_unique', ['Clones', 'Unique cloners (daily)'], [cssVar('--series-2'), cssVar('--series-5')]);
    const suffix = rangeSuffix(range);
    const viewsBox = el('div', { class: 'chart', id: 'views-chart' });
    const clonesBox = el('div', { class: 'chart', id: 'clones-chart' });
    const countersBox = el('div', { class: 'chart', id: 'counters-chart' });

    // Stars and forks: daily snapshots (R6), and stars counted from their timestamps where
    // the API gave them, which reaches back before the first collection.
    const counterCols = columns(counters.days, range.from, range.to, ['stars', 'forks', 'watchers', 'open_issues']);
    const starEvents = (counters.events || []).filter((e) => e.kind === 'star').map((e) => dayNum(e.at.slice(0, 10))).sort((a, b) => a - b);
    let starsFromEvents = null;
    if (starEvents.length) {
      let k = 0;
      starsFromEvents = counterCols.days.map((n) => {
        while (k < starEvents.length && starEvents[k] <= n) k++;
        return n < starEvents[0] ? null : k;
      });
    }
    const counterSeries = [
      { label: 'Stars', values: counterCols.stars, color: cssVar('--series-7') },
      { label: 'Forks', values: counterCols.forks, color: cssVar('--series-6') },
    ];
    if (starsFromEvents) counterSeries.push({ label: 'Stars (from star times)', values: starsFromEvents, color: cssVar('--series-7'), dash: [3, 3], width: 1 });

    const top = [topTable('referrers', referrers.snapshots, range, displayName), topTable('paths', paths.snapshots, range, displayName)];
    const formerly = (info.names || []).filter((n) => n !== displayName);
    setChildren(main, 
      el('p', null, el('a', { href: '#/', text: '← All repositories' })),
      el('h1', { text: displayName }),
      formerly.length ? el('p', { class: 'note', text: 'Formerly ' + formerly.join(', ') }) : null,
      el('div', { class: 'stats' },
        stat('views, 14 d', fmtNum(info.views_14d)),
        stat('unique visitors, 14 d', fmtNum(info.uniques_14d), "GitHub's own de-duplicated 14-day figure"),
        stat('clones, 14 d', fmtNum(info.clones_14d)),
        stat('stars', fmtNum(info.stars)),
        stat('forks', fmtNum(info.forks)),
        stat('last collected', fmtTime(info.last_collected))),
      info.error ? el('p', { class: 'error-text' }, el('span', { class: 'badge error', text: 'error' }), ' ', info.error) : null,
      el('div', { class: 'panel-tools' }, averageToggle,
        el('span', { class: 'note', text: 'Gaps (days no collection covered) are breaks in the lines, never zeros.' })),
      el('div', { class: 'grid2' },
        panel('Daily views', csvButton('daily views', () => `ghtraffic-${safeName(displayName)}-views-${suffix}.csv`, () => views.csv), viewsBox),
        panel('Daily clones', csvButton('daily clones', () => `ghtraffic-${safeName(displayName)}-clones-${suffix}.csv`, () => clones.csv), clonesBox)),
      panel('Stars and forks', csvButton('stars and forks', () => `ghtraffic-${safeName(displayName)}-counters-${suffix}.csv`, () => ({
        header: ['date', 'stars', 'forks', 'watchers', 'open_issues', ...(starsFromEvents ? ['stars_from_star_times'] : [])],
        rows: counterCols.days.map((n, i) => [dayStr(n), counterCols.stars[i], counterCols.forks[i], counterCols.watchers[i], counterCols.open_issues[i], ...(starsFromEvents ? [starsFromEvents[i]] : [])]),
      })), countersBox, el('p', { class: 'note', text: 'One snapshot a day when a collection ran.' })),
      top.map((t) => t.node));

    drawChart('views', viewsBox, cols.x, views.series, { description: `Daily views of ${displayName}` });
    drawChart('clones', clonesBox, cols.x, clones.series, { description: `Daily clones of ${displayName}` });
    drawChart('counters', countersBox, counterCols.x, counterSeries, { description: `Stars and forks of ${displayName}`, height: 200 });
  }

  // ---- compare -----------------------------------------------------------------------

  async function renderCompare(main, isCurrent, wanted) {
    const answer = await api('/api/repos');
    if (!isCurrent()) return;
    if (answer.today) today = dayNum(answer.today);
    const repos = (answer.repos || []).slice().sort((a, b) => (b.views_30d || 0) - (a.views_30d || 0) || a.repo.localeCompare(b.repo));
    let names = wanted.filter((n) => repos.some((r) => r.repo === n));
    if (!names.length) names = repos.slice(0, 3).map((r) => r.repo);

    const picker = el('fieldset', { class: 'picker' }, el('legend', { text: 'Repositories to compare' }),
      repos.map((r) => el('label', null, el('input', {
        type: 'checkbox',
        value: r.repo,
        checked: names.includes(r.repo),
        onchange: () => {
          const chosen = [...picker.querySelectorAll('input:checked')].map((i) => i.value);
          history.replaceState(null, '', '#/compare' + (chosen.length ? '?' + repoQuery(chosen) : ''));
          render();
        },
      }), r.repo)));
    const box = el('div', { class: 'chart', id: 'compare-chart' });
    let csv = null;
    let filename = 'ghtraffic-compare.csv';
    setChildren(main, 
      el('h1', { text: 'Compare repositories' }),
      panel('Daily views', csvButton('compared daily views', () => filename, () => csv), picker, box,
        el('p', { class: 'note', text: 'Each line is one repository; gaps are days no collection covered.' })));
    if (!names.length) {
      box.append(el('p', { class: 'empty', text: 'Pick repositories to compare.' }));
      csv = { header: ['date'], rows: [] };
      return;
    }
    const daily = await api('/api/daily?split=1&' + repoQuery(names));
    if (!isCurrent()) return;
    const span = spanOf(daily);
    const range = resolveRange(span.first, span.last);
    syncRangeControl(range);
    const order = names.filter((n) => daily.series[n]);
    const perRepo = order.map((n) => columns(daily.series[n], range.from, range.to, ['views']));
    const x = perRepo.length ? perRepo[0].x : [];
    drawChart('compare', box, x, order.map((n, i) => ({ label: n, values: perRepo[i].views, color: cssVar(`--series-${(i % 8) + 1}`) })),
      { description: 'Daily views of ' + order.join(', ') });
    csv = {
      header: ['date', ...order.map((n) => `${n} views`)],
      rows: (perRepo[0] ? perRepo[0].days : []).map((n, d) => [dayStr(n), ...perRepo.map((c) => c.views[d])]),
    };
    filename = `ghtraffic-compare-${rangeSuffix(range)}.csv`;
  }

  // ---- routing -----------------------------------------------------------------------

  function currentRoute() {
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path, query] = hash.split('?');
    const parts = path.split('/').filter(Boolean).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch (e) {
        return p;
      }
    });
    if (parts[0] === 'repo' && parts.length >= 3) return { view: 'repo', repo: parts.slice(1).join('/') };
    if (parts[0] === 'compare') return { view: 'compare', repos: new URLSearchParams(query || '').getAll('repo') };
    return { view: 'overview' };
  }

  function showError(error) {
    const main = document.getElementById('main');
    const message = error instanceof ApiError ? error.message : `The page could not be drawn: ${error && error.message}`;
    setChildren(main, el('p', { class: 'error-page', role: 'alert', text: message }), el('p', null, el('a', { href: '#/', text: 'Back to the overview' })));
    main.dataset.ready = 'true';
    hooks.ready = true;
  }

  let renderSeq = 0;
  let lastView = null;
  async function render() {
    const seq = ++renderSeq;
    const isCurrent = () => seq === renderSeq;
    const route = currentRoute();
    const main = document.getElementById('main');
    hooks.ready = false;
    hooks.view = route.view;
    hooks.onSelection = null;
    main.dataset.view = route.view;
    main.dataset.ready = 'false';
    document.getElementById('nav-overview').toggleAttribute('aria-current', route.view === 'overview');
    document.getElementById('nav-compare').toggleAttribute('aria-current', route.view === 'compare');
    for (const a of document.querySelectorAll('nav a[aria-current]')) a.setAttribute('aria-current', 'page');
    document.title = route.view === 'repo' ? `${route.repo} · ghtraffic` : route.view === 'compare' ? 'Compare · ghtraffic' : 'ghtraffic';
    syncRangeControl(null);
    if (lastView !== route.view + (route.repo || '')) destroyCharts();
    try {
      if (route.view === 'repo') await renderRepo(main, isCurrent, route.repo);
      else if (route.view === 'compare') await renderCompare(main, isCurrent, route.repos);
      else await renderOverview(main, isCurrent);
    } catch (error) {
      if (isCurrent()) showError(error);
      return;
    }
    if (!isCurrent()) return;
    const moved = lastView !== route.view + (route.repo || '');
    lastView = route.view + (route.repo || '');
    main.dataset.ready = 'true';
    hooks.ready = true;
    hooks.renders += 1;
    // When the page's charts are drawn, for bench/dashboard-browser.mjs.
    performance.mark(`ghtraffic:${route.view}-drawn`);
    if (moved && document.activeElement === document.body) main.focus({ preventScroll: true });
  }

  function start() {
    setupRangeControl();
    // The skip link must not change the hash: that is the router's.
    document.querySelector('.skip').addEventListener('click', (event) => {
      event.preventDefault();
      document.getElementById('main').focus();
    });
    window.addEventListener('hashchange', () => {
      window.scrollTo(0, 0);
      render();
    });
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', () => render());
    renderStatus();
    if (!isReport()) setInterval(renderStatus, 60000);
    render();
  }

  start();
})();

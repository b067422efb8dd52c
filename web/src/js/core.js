// The ghtraffic dashboard: overview, repository page and compare view over the JSON API
// (docs/api.md). Served by `ghtraffic serve`, or inlined by `ghtraffic report` with the
// API's answers in <script id="ghtraffic-data">. Every string from the API goes into the
// page through textContent and DOM attributes only: repository names, paths, titles and
// referrers come from GitHub and are treated as hostile.
//
// The dashboard is classic scripts, not ES modules (modules import each other by URL,
// which a report opened from file:// cannot answer), run in the order index.html lists
// them. They share their functions and the view state through one object,
// window.ghtraffic, which this first script creates with what every view needs: the
// state, the test hooks, days, number formats, building DOM nodes and CSV downloads.
'use strict';

(() => {
  const DAY_MS = 864e5;
  const DAY_S = 86400;

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

  // ---- days --------------------------------------------------------------------------

  const dayNum = (text) => Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10)) / DAY_MS;
  const dayStr = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);
  const isDay = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || '') && dayStr(dayNum(text)) === text;

  let today = null;
  function todayNum() {
    return today !== null ? today : Math.floor(Date.now() / DAY_MS);
  }

  // The API's today (the server's day, or the day the report was made), once an answer
  // has said it; until then the browser's.
  const setToday = (text) => {
    today = dayNum(text);
  };

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

  // ---- sums over a period (R3) -------------------------------------------------------

  // A sum over a period counts covered days only and says how many there were; a period no
  // collection covered is no number at all: "–", never 0.
  const NO_DATA = 'no collection covered these days';

  function periodSum(sum, covered, length) {
    if (sum === null || sum === undefined || !covered) return { text: '–', note: null, title: NO_DATA, gap: true };
    if (covered < length) {
      return { text: numberFormat.format(sum), note: `(${covered} of ${length} days)`, title: `The ${covered} of ${length} days a collection covered; the others are gaps`, partial: true };
    }
    return { text: numberFormat.format(sum), note: null, title: null };
  }

  // The sum and coverage of a dense column (null: a gap).
  function sumOf(values) {
    let sum = 0;
    let covered = 0;
    for (const v of values) {
      if (v === null || v === undefined) continue;
      sum += v;
      covered += 1;
    }
    return periodSum(covered ? sum : null, covered, values.length);
  }

  // A period's sum as DOM: the number, its "(9 of 14 days)", the tooltip.
  function sumNode(tag, p, attrs) {
    return el(tag, { ...attrs, class: [attrs && attrs.class, p.gap ? 'no-data' : p.partial ? 'partial' : null].filter(Boolean).join(' ') || null, title: p.title },
      p.text, p.note ? el('span', { class: 'coverage', text: ' ' + p.note }) : null);
  }

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

  function panel(title, tools, ...body) {
    return el('section', { class: 'panel' },
      el('div', { class: 'panel-head' }, el('h2', { text: title }), el('div', { class: 'panel-tools' }, tools)),
      body);
  }

  window.ghtraffic = {
    DAY_MS, DAY_S, state, hooks,
    dayNum, dayStr, isDay, todayNum, setToday,
    el, setChildren, panel, cssVar, repoHref,
    numberFormat, fmtNum, fmtAvg, fmtTime, NO_DATA, periodSum, sumOf, sumNode,
    csvText, csvButton, safeName, rangeSuffix,
  };
})();

// The repository page: its figures, daily views and clones (optionally as 7-day averages),
// stars and forks, and the top referrers and paths of its latest snapshot with how they
// moved since the one before.
'use strict';

(() => {
  const g = window.ghtraffic;
  const {
    state, setToday, dayNum, dayStr, el, setChildren, panel, cssVar, fmtNum, fmtAvg, fmtTime, csvButton,
    safeName, rangeSuffix, api, isReport, spanOf, columns, trailingAverage, drawChart, sparkline,
    resolveRange, syncRangeControl, periodSum, sumOf, sumNode, staleNotice,
  } = g;

  function stat(label, value, title) {
    return el('div', { class: 'stat', title }, el('span', { class: 'value', text: value }), el('span', { class: 'label', text: label }));
  }

  // A sum over a period (R3): "–" when no day of it was covered, "(9 of 14 days)" when some.
  function sumNodeStat(label, p) {
    return el('div', { class: 'stat', title: p.title },
      sumNode('span', { ...p, title: null }, { class: 'value' }), el('span', { class: 'label', text: label }));
  }
  const sumStat = (label, sum, covered, length) => sumNodeStat(label, periodSum(sum, covered, length));

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
    if (repos.today) setToday(repos.today);
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
        g.render();
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
    // The backfilled history reaches back to the first star: the chart starts there unless
    // the range was chosen by hand.
    const history = counters.history || [];
    const firstHistory = history.length ? dayNum(history[0].date) : null;
    const counterFrom = firstHistory !== null && state.range.kind !== 'custom' ? Math.min(range.from, firstHistory) : range.from;
    const counterCols = columns(counters.days, counterFrom, range.to, ['stars', 'forks', 'watchers', 'open_issues']);
    const historyCols = columns(history, counterFrom, range.to, ['stars', 'forks']);
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
    if (history.length) {
      counterSeries.push({ label: 'Stars (history)', values: historyCols.stars, color: cssVar('--series-7'), dash: [6, 3], width: 1 });
      counterSeries.push({ label: 'Forks (history)', values: historyCols.forks, color: cssVar('--series-6'), dash: [6, 3], width: 1 });
    }

    // Release downloads: the downloads of each day with a snapshot since the one before,
    // summed over the assets; a day without a snapshot is a gap, never 0.
    const downloadRows = counters.downloads || [];
    const downloadsBox = downloadRows.length ? el('div', { class: 'chart', id: 'downloads-chart' }) : null;
    const downloadsByDay = new Map();
    for (const d of downloadRows) {
      if (d.downloads === null) continue;
      const n = dayNum(d.date);
      downloadsByDay.set(n, (downloadsByDay.get(n) || 0) + d.downloads);
    }
    const downloadDays = counterCols.days.filter((n) => n >= range.from);
    const downloadValues = downloadDays.map((n) => (downloadsByDay.has(n) ? downloadsByDay.get(n) : null));

    const top = [topTable('referrers', referrers.snapshots, range, displayName), topTable('paths', paths.snapshots, range, displayName)];
    const formerly = (info.names || []).filter((n) => n !== displayName);
    setChildren(main, 
      el('p', null, el('a', { href: '#/', text: '← All repositories' })),
      el('h1', { text: displayName }),
      formerly.length ? el('p', { class: 'note', text: 'Formerly ' + formerly.join(', ') }) : null,
      staleNotice(span, range),
      el('div', { class: 'stats' },
        sumStat('views, 14 d', info.views_14d, info.views_14d_days, 14),
        stat('unique visitors, 14 d', fmtNum(info.uniques_14d), info.uniques_14d === null ? 'no 14-day window GitHub reported in the last 14 days' : "GitHub's own de-duplicated 14-day figure"),
        sumStat('clones, 14 d', info.clones_14d, info.clones_14d_days, 14),
        sumNodeStat(`views, ${dayStr(range.from)} to ${dayStr(range.to)}`, sumOf(cols.views)),
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
        header: ['date', 'stars', 'forks', 'watchers', 'open_issues', ...(starsFromEvents ? ['stars_from_star_times'] : []), ...(history.length ? ['stars_history', 'forks_history'] : [])],
        rows: counterCols.days.map((n, i) => [dayStr(n), counterCols.stars[i], counterCols.forks[i], counterCols.watchers[i], counterCols.open_issues[i], ...(starsFromEvents ? [starsFromEvents[i]] : []), ...(history.length ? [historyCols.stars[i], historyCols.forks[i]] : [])]),
      })), countersBox, el('p', { class: 'note', text: history.length
        ? 'Solid: one snapshot a day when a collection ran. Dashed: the history ghtraffic backfill read from GitHub, a lower bound where stars were removed.'
        : 'One snapshot a day when a collection ran.' })),
      downloadsBox ? panel('Release downloads', csvButton('release downloads', () => `ghtraffic-${safeName(displayName)}-downloads-${suffix}.csv`, () => ({
        header: ['date', 'release', 'asset', 'downloads'],
        rows: downloadRows.filter((d) => dayNum(d.date) >= range.from && dayNum(d.date) <= range.to).map((d) => [d.date, d.release, d.asset, d.downloads]),
      })), downloadsBox, el('p', { class: 'note', text: 'Downloads since the previous snapshot, all assets; days without a snapshot are gaps.' })) : null,
      top.map((t) => t.node));

    drawChart('views', viewsBox, cols.x, views.series, { description: `Daily views of ${displayName}` });
    drawChart('clones', clonesBox, cols.x, clones.series, { description: `Daily clones of ${displayName}` });
    drawChart('counters', countersBox, counterCols.x, counterSeries, { description: `Stars and forks of ${displayName}`, height: 200 });
    if (downloadsBox) {
      drawChart('downloads', downloadsBox, downloadDays.map((n) => n * 86400), [{ label: 'Downloads', values: downloadValues, color: cssVar('--series-3') }], { description: `Release downloads of ${displayName}`, height: 160 });
    }
  }

  g.renderRepo = renderRepo;
})();

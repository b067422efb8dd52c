// The overview: the chart of daily views and clones summed over all or the checked
// repositories, and the table of every repository (sort, filter, check, CSV).
'use strict';

(() => {
  const g = window.ghtraffic;
  const {
    state, hooks, setToday, dayStr, el, setChildren, panel, cssVar, repoHref, fmtNum, fmtTime,
    csvButton, rangeSuffix, api, repoQuery, spanOf, columns, drawChart, sparkline, resolveRange,
    syncRangeControl, periodSum, sumOf, sumNode, staleNotice,
  } = g;

  const FIRST_ROWS = 100;
  const ROWS_PER_FRAME = 200;
  const COLUMNS = [
    { key: 'repo', label: 'Repository', type: 'text' },
    { key: 'views_14d', label: 'Views 14 d', period: 14 },
    { key: 'uniques_14d', label: 'Unique visitors 14 d', title: "GitHub's own de-duplicated figure for its latest 14-day window; daily uniques are never added up" },
    { key: 'views_30d', label: 'Views 30 d', period: 30 },
    { key: 'sparkline', label: 'Views, last 30 d', sortable: false },
    { key: 'clones_14d', label: 'Clones 14 d', period: 14 },
    { key: 'clones_30d', label: 'Clones 30 d', period: 30 },
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
      COLUMNS.map((c) => cells[c.key] ||
        (c.period ? sumNode('td', periodSum(r[c.key], r[`${c.key}_days`], c.period)) : el('td', { text: fmtNum(r[c.key]) }))));
  }

  async function overviewChart(container, caption, csvHolder, totals, notice) {
    const names = [...state.checked];
    const answer = await api(overviewDailyPath());
    const span = spanOf(answer);
    const range = resolveRange(span.first, span.last);
    syncRangeControl(range);
    setChildren(notice, staleNotice(span, range));
    const cols = columns(answer.days, range.from, range.to, ['views', 'clones', 'views_unique', 'clones_unique', 'covered']);
    setChildren(totals, 'In this range: ', sumNode('strong', sumOf(cols.views)), ' views, ',
      sumNode('strong', sumOf(cols.clones)), ' clones.');
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
    if (answer.today) setToday(answer.today);
    const repos = answer.repos || [];
    if (!isCurrent()) return;
    for (const name of [...state.checked]) if (!repos.some((r) => r.repo === name)) state.checked.delete(name);

    const chartBox = el('div', { class: 'chart', id: 'overview-chart' });
    const caption = el('p', { class: 'note' });
    const totals = el('p', { class: 'totals', id: 'overview-totals' });
    const notice = el('div', { id: 'overview-stale' });
    const chartCsv = {};
    const chartPanel = panel('Daily views and clones',
      csvButton('daily views and clones', () => chartCsv.name(), () => chartCsv.build()),
      notice, chartBox, caption, totals,
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
    const redrawChart = () => overviewChart(chartBox, caption, chartCsv, totals, notice).catch((error) => g.showError(error));
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
          // A period no collection covered is an empty cell, never 0; *_days say how many of
          // its days each sum covers.
          header: ['repo', 'views_14d', 'unique_visitors_14d_github', 'views_30d', 'clones_14d', 'clones_30d', 'stars', 'forks', 'gap_days_30d', 'last_collected', 'error',
            'views_14d_days', 'views_30d_days', 'clones_14d_days', 'clones_30d_days'],
          rows: visibleRepos(repos).map((r) => [r.repo, r.views_14d, r.uniques_14d, r.views_30d, r.clones_14d, r.clones_30d, r.stars, r.forks, r.gap_days_30d, r.last_collected, r.error,
            r.views_14d_days, r.views_30d_days, r.clones_14d_days, r.clones_30d_days]),
        }))],
      el('div', { class: 'table-wrap' },
        el('table', { id: 'repos-table' },
          el('caption', { class: 'note', text: `Figures for the 14 and 30 days ending ${answer.today || 'today'}; the range control changes the charts. Unique visitors are GitHub's own 14-day figure. A sum counts the days a collection covered: "(9 of 14 days)" when some were gaps, "–" when none was covered.` }),
          el('thead', null, el('tr', null, el('th', { class: 'check', scope: 'col' }, headCheck), headers)),
          tbody)),
      count);

    setChildren(main, el('h1', { text: 'Repositories' }), chartPanel, tablePanel);
    await overviewChart(chartBox, caption, chartCsv, totals, notice);
    if (!isCurrent()) return;
    // The chart is on screen before the table is built (for bench/dashboard-browser.mjs).
    performance.mark('ghtraffic:overview-chart-drawn');
    await nextFrame();
    if (isCurrent()) await fillBody();
  }

  g.renderOverview = renderOverview;
})();

// Compare: the daily views of the chosen repositories, one line each.
'use strict';

(() => {
  const g = window.ghtraffic;
  const {
    setToday, dayStr, el, setChildren, panel, cssVar, csvButton, rangeSuffix, api, repoQuery, spanOf,
    columns, drawChart, resolveRange, syncRangeControl, sumOf, sumNode, staleNotice,
  } = g;

  async function renderCompare(main, isCurrent, wanted) {
    const answer = await api('/api/repos');
    if (!isCurrent()) return;
    if (answer.today) setToday(answer.today);
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
          g.render();
        },
      }), r.repo)));
    const box = el('div', { class: 'chart', id: 'compare-chart' });
    const notice = el('div', { id: 'compare-stale' });
    const totals = el('div', { class: 'table-wrap' });
    let csv = null;
    let filename = 'ghtraffic-compare.csv';
    setChildren(main, 
      el('h1', { text: 'Compare repositories' }),
      panel('Daily views', csvButton('compared daily views', () => filename, () => csv), picker, notice, box,
        el('p', { class: 'note', text: 'Each line is one repository; gaps are days no collection covered.' }), totals));
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
    setChildren(notice, staleNotice(span, range));
    // Each repository's views over the range, counting the days a collection covered (R3).
    setChildren(totals, el('table', { id: 'compare-totals' },
      el('thead', null, el('tr', null,
        el('th', { scope: 'col', class: 'text', text: 'Repository' }),
        el('th', { scope: 'col', text: `Views, ${dayStr(range.from)} to ${dayStr(range.to)}` }))),
      el('tbody', null, order.map((n, i) => el('tr', { 'data-repo': n },
        el('td', { class: 'text', text: n }), sumNode('td', sumOf(perRepo[i].views)))))));
    csv = {
      header: ['date', ...order.map((n) => `${n} views`)],
      rows: (perRepo[0] ? perRepo[0].days : []).map((n, d) => [dayStr(n), ...perRepo.map((c) => c.views[d])]),
    };
    filename = `ghtraffic-compare-${rangeSuffix(range)}.csv`;
  }

  g.renderCompare = renderCompare;
})();

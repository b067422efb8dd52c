// The dashboard in a real browser against `ghtraffic serve` over a store that real
// `ghtraffic collect` runs filled from the mock GitHub server, and the static report
// opened from file://.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import {
  GAP_OFFSET_DAYS, artifact, launchBrowser, paintedPixels, repoRoot, startStack, waitReady, watchedPage, writeReport,
} from './harness.mjs';

const XSS_TITLE = '<img src=x onerror=alert(1)>';
const REPOS = ['octo-org/repo-0', 'octo-org/repo-1', 'octo-org/repo-2'];

let stack;
let browser;

// With GHTRAFFIC_UPDATE_DOC_IMAGES=1 the screenshots that docs/dashboard.md shows are
// copied next to it; otherwise a test run leaves the source tree alone.
function keep(name) {
  if (process.env.GHTRAFFIC_UPDATE_DOC_IMAGES !== '1') return;
  const dir = path.join(repoRoot, 'docs', 'images');
  mkdirSync(dir, { recursive: true });
  copyFileSync(artifact(name), path.join(dir, name));
}

function assertClean(watch) {
  assert.deepEqual(watch.problems, [], 'the page logged errors');
  assert.deepEqual(watch.dialogs, [], 'the page opened a dialog');
}

// Pixels of the chart's first series colour in the canvas columns between two x values.
async function seriesPixels(page, chartKey, fromSeconds, toSeconds) {
  return page.evaluate(({ key, a, b }) => {
    const chart = window.__ghtraffic.charts[key];
    const color = getComputedStyle(document.documentElement).getPropertyValue('--series-1').trim();
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = color;
    probe.fillRect(0, 0, 1, 1);
    const [r, g, bl] = probe.getImageData(0, 0, 1, 1).data;
    const canvas = chart.ctx.canvas;
    const x0 = Math.ceil(chart.valToPos(a, 'x', true));
    const x1 = Math.floor(chart.valToPos(b, 'x', true));
    if (x1 <= x0) return { columns: 0, matches: 0 };
    const { data } = chart.ctx.getImageData(x0, 0, x1 - x0, canvas.height);
    let matches = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - bl) < 40) matches += 1;
    }
    return { columns: x1 - x0, matches };
  }, { key: chartKey, a: fromSeconds, b: toSeconds });
}

const daySeconds = (iso) => Date.parse(`${iso}T00:00:00Z`) / 1000;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser(stack.playwright);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

describe('ghtraffic serve in a browser', () => {
  test('the overview lists every repository and draws the summed chart', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/`);
    await waitReady(page, 'overview');
    const names = await page.$$eval('#repos-table tbody tr[data-repo]', (rows) => rows.map((r) => r.dataset.repo));
    assert.deepEqual([...names].sort(), REPOS);
    assert.ok(await paintedPixels(page, '#overview-chart') > 0, 'the overview chart is blank');
    const series = await page.evaluate(() => window.__ghtraffic.charts.overview.series.map((s) => s.label));
    assert.deepEqual(series.slice(1), ['Views', 'Clones']);
    assert.equal(await page.locator('#status').isVisible(), true, 'the status strip is shown');
    assert.equal(await page.locator('#alert-banner').isVisible(), false, 'a banner although every repository was collected today');
    // Today's collection covers the last 15 days: the 14-day sums are whole, the 30-day
    // ones say how many days they cover.
    const row = 'tr[data-repo="octo-org/repo-0"]';
    assert.equal(await page.locator(`${row} td.partial`).count(), 2, 'views and clones, 30 d');
    assert.deepEqual(await page.$$eval(`${row} td.partial .coverage`, (cells) => cells.map((c) => c.textContent.trim())), ['(15 of 30 days)', '(15 of 30 days)']);
    assert.equal(await page.locator(`${row} td.no-data`).count(), 0);
    assert.match(await page.textContent('#overview-totals'), /^In this range: [\d,]+ \(15 of 30 days\) views, [\d,]+ \(15 of 30 days\) clones\.$/);
    assert.equal(await page.locator('.stale-range').count(), 0, 'a range with data is not stale');
    await page.screenshot({ path: artifact('overview.png'), fullPage: true });
    keep('overview.png');
    assertClean(watch);
    await watch.context.close();
  });

  test('the table sorts by a header, from the keyboard too, and filters', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/`);
    await waitReady(page, 'overview');
    const order = () => page.$$eval('#repos-table tbody tr[data-repo]', (rows) => rows.map((r) => r.dataset.repo));
    await page.click('th button[data-key="repo"]');
    assert.deepEqual(await order(), REPOS);
    await page.focus('th button[data-key="repo"]');
    await page.keyboard.press('Enter');
    assert.deepEqual(await order(), [...REPOS].reverse());
    assert.equal(await page.getAttribute('th:has(button[data-key="repo"])', 'aria-sort'), 'descending');
    await page.fill('#repo-filter', 'repo-1');
    assert.deepEqual(await order(), ['octo-org/repo-1']);

    // Checking a repository charts only that one.
    await page.fill('#repo-filter', '');
    await page.check('tr[data-repo="octo-org/repo-2"] input[type="checkbox"]');
    await page.waitForFunction(() => /1 checked repository/.test(document.querySelector('#overview-chart + p').textContent));
    assertClean(watch);
    await watch.context.close();
  });

  test('a repository page draws its charts and tables', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(page, 'repo');
    for (const chart of ['#views-chart', '#clones-chart', '#counters-chart']) {
      assert.ok(await paintedPixels(page, chart) > 0, `${chart} is blank`);
    }
    assert.ok(await page.locator('table.referrers tbody tr').count() > 0, 'no referrers listed');
    assert.ok(await page.locator('table.paths tbody tr').count() > 0, 'no paths listed');
    // The headline: 14 days wholly covered, the 30-day range partly.
    const stats = await page.$$eval('.stats .stat', (nodes) => nodes.map((n) => ({
      value: n.querySelector('.value').textContent, label: n.querySelector('.label').textContent, title: n.title,
    })));
    assert.match(stats[0].value, /^[\d,]+$/, `views, 14 d: ${stats[0].value}`);
    const ranged = stats.find((st) => st.label.startsWith('views, ') && st.label.includes(' to '));
    assert.match(ranged.value, /^[\d,]+ \(15 of 30 days\)$/);
    assert.match(ranged.title, /15 of 30 days a collection covered/);
    await page.screenshot({ path: artifact('repository.png'), fullPage: true });
    keep('repository.png');

    await page.click('#average-toggle');
    await waitReady(page, 'repo');
    const labels = await page.evaluate(() => window.__ghtraffic.charts.views.series.map((s) => s.label));
    assert.ok(labels.includes('Views, 7-day avg'), `averaged series missing: ${labels}`);
    assertClean(watch);
    await watch.context.close();
  });

  test('a day no collection covered is drawn as a gap, not as zero', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(page, 'repo');
    await page.click('button[data-range="all"]');
    await waitReady(page, 'repo');
    const drawn = await page.evaluate(() => {
      const chart = window.__ghtraffic.charts.views;
      return { x: Array.from(chart.data[0]), views: Array.from(chart.data[1]) };
    });
    // The first collection covered the 15 days ending `earlier`, the second those ending today.
    const gapFirst = daySeconds(stack.earlier) + 86400;
    const gapLast = daySeconds(stack.today) - 15 * 86400;
    const inGap = drawn.x.map((x, i) => [x, drawn.views[i]]).filter(([x]) => x >= gapFirst && x <= gapLast);
    assert.ok(inGap.length >= 20, `expected the gap in the drawn range, got ${inGap.length} days`);
    assert.ok(inGap.every(([, v]) => v === null), 'a gap day is not null in the chart data');
    const covered = drawn.x.map((x, i) => [x, drawn.views[i]]).filter(([x]) => x > gapLast);
    assert.ok(covered.every(([, v]) => typeof v === 'number'), 'a covered day is not a number');

    // No line crosses the gap: the views colour is absent between its first and last day,
    // and present elsewhere.
    const gap = await seriesPixels(page, 'views', gapFirst, gapLast);
    assert.ok(gap.columns > 20, `the gap is only ${gap.columns} pixels wide`);
    assert.equal(gap.matches, 0, 'the views line is drawn across the gap');
    const rest = await seriesPixels(page, 'views', gapLast + 86400, daySeconds(stack.today));
    assert.ok(rest.matches > 0, 'the views line is not drawn where there is data');

    // The API says the same: null, never 0.
    const api = await page.evaluate(async () => (await (await fetch('./api/daily?repo=octo-org%2Frepo-0')).json()).days);
    const apiGap = api.filter((d) => daySeconds(d.date) >= gapFirst && daySeconds(d.date) <= gapLast);
    assert.equal(apiGap.length, inGap.length);
    assert.ok(apiGap.every((d) => d.views === null && d.clones === null && d.covered === 0), 'the API has a zero for a gap day');

    // The 7-day average covers covered days only, and marks the windows that hold a gap.
    await page.click('#average-toggle');
    await waitReady(page, 'repo');
    const averaged = await page.evaluate(() => {
      const chart = window.__ghtraffic.charts.views;
      return { labels: chart.series.map((s) => s.label), data: chart.data.map((d) => Array.from(d)) };
    });
    assert.deepEqual(averaged.labels.slice(1, 3), ['Views, 7-day avg', 'window with gaps']);
    const at = (seconds) => averaged.data[0].indexOf(seconds);
    const deepInGap = at(gapFirst + 10 * 86400);
    assert.equal(averaged.data[1][deepInGap], null, 'an average is drawn where a whole window is a gap');
    assert.equal(averaged.data[2][deepInGap], null);
    assert.equal(typeof averaged.data[2][at(gapFirst + 86400)], 'number', 'a window with a gap is not marked');
    await page.click('#average-toggle');
    await waitReady(page, 'repo');
    assertClean(watch);
    await watch.context.close();
  });

  test('switching the range changes what is drawn', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-1`);
    await waitReady(page, 'repo');
    const extent = () => page.evaluate(() => {
      const chart = window.__ghtraffic.charts.views;
      return { points: chart.data[0].length, min: chart.scales.x.min, max: chart.scales.x.max };
    });
    const start = await extent();
    assert.equal(start.points, 30);
    await page.click('button[data-range="14"]');
    await waitReady(page, 'repo');
    const short = await extent();
    assert.equal(short.points, 14);
    assert.ok(short.min > start.min, 'the 14-day range starts no later than the 30-day one');
    await page.click('button[data-range="all"]');
    await waitReady(page, 'repo');
    const all = await extent();
    // From the first day the first collection covered (14 days before `earlier`) to today.
    assert.equal(all.points, GAP_OFFSET_DAYS + 15);
    assert.equal(await page.getAttribute('button[data-range="all"]', 'aria-pressed'), 'true');

    await page.fill('#range-from', stack.earlier);
    await page.dispatchEvent('#range-from', 'change');
    await page.fill('#range-to', stack.today);
    await page.dispatchEvent('#range-to', 'change');
    await page.waitForFunction(() => window.__ghtraffic.ready && window.__ghtraffic.charts.views.data[0].length === 41);
    assertClean(watch);
    await watch.context.close();
  });

  test('a hostile page title stays text', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(page, 'repo');
    const titles = await page.$$eval('table.paths .title', (cells) => cells.map((c) => c.textContent));
    assert.ok(titles.includes(XSS_TITLE), `the title is not shown as text: ${JSON.stringify(titles)}`);
    await page.getByText(XSS_TITLE, { exact: true }).first().waitFor({ state: 'visible' });
    assert.equal(await page.locator('img').count(), 0, 'an img element was created');
    assert.equal(await page.locator('[onerror]').count(), 0, 'an onerror attribute reached the DOM');
    await page.waitForTimeout(200);
    assertClean(watch);
    await watch.context.close();
  });

  test('compare draws one line per chosen repository', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/#/compare?repo=octo-org%2Frepo-0&repo=octo-org%2Frepo-2`);
    await waitReady(page, 'compare');
    const labels = await page.evaluate(() => window.__ghtraffic.charts.compare.series.slice(1).map((s) => s.label));
    assert.deepEqual(labels, ['octo-org/repo-0', 'octo-org/repo-2']);
    assert.ok(await paintedPixels(page, '#compare-chart') > 0, 'the compare chart is blank');
    assert.deepEqual(await page.$$eval('#compare-totals tbody tr .coverage', (cells) => cells.map((c) => c.textContent.trim())), ['(15 of 30 days)', '(15 of 30 days)']);
    await page.check('.picker input[value="octo-org/repo-1"]');
    await page.waitForFunction(() => window.__ghtraffic.ready && window.__ghtraffic.charts.compare && window.__ghtraffic.charts.compare.series.length === 4);
    await page.screenshot({ path: artifact('compare.png'), fullPage: true });
    keep('compare.png');
    assertClean(watch);
    await watch.context.close();
  });

  test('Download CSV gives what the table shows, quoted and formula-safe', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/`);
    await waitReady(page, 'overview');
    await page.fill('#repo-filter', 'repo-');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[aria-label="Download CSV: repositories table"]'),
    ]);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'repo,views_14d,unique_visitors_14d_github,views_30d,clones_14d,clones_30d,stars,forks,gap_days_30d,last_collected,error,views_14d_days,views_30d_days,clones_14d_days,clones_30d_days');
    assert.equal(lines.length, 4);
    assert.ok(lines.slice(1).every((line) => line.endsWith(',14,15,14,15')), `coverage columns: ${lines.join(' | ')}`);

    await page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(page, 'repo');
    const [paths] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[aria-label="Download CSV: popular paths"]'),
    ]);
    const pathsCsv = readFileSync(await paths.path(), 'utf8');
    assert.ok(pathsCsv.includes(`,${XSS_TITLE},`), 'the title is in the CSV as it is');

    // RFC 4180 quoting, and text a spreadsheet would run as a formula is defused.
    const csv = await page.evaluate(() => window.__ghtraffic.csvText(['a', 'b'],
      [['=1+1', 'x,"y"'], ['@SUM(A1)', -3], ['+1', '-x'], ['line\nbreak', null]]));
    assert.equal(csv, [`a,b`, `'=1+1,"x,""y"""`, `'@SUM(A1),-3`, `'+1,'-x`, `"line\nbreak",`, ''].join('\r\n'));
    assertClean(watch);
    await watch.context.close();
  });

  test('dark mode and a phone-sized screen', async () => {
    const dark = await watchedPage(browser, { colorScheme: 'dark' });
    await dark.page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(dark.page, 'repo');
    const background = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(13, 17, 23)');
    await dark.page.screenshot({ path: artifact('repository-dark.png'), fullPage: true });
    keep('repository-dark.png');
    await dark.page.goto(`${stack.baseUrl}/`);
    await waitReady(dark.page, 'overview');
    await dark.page.screenshot({ path: artifact('overview-dark.png'), fullPage: true });
    assertClean(dark);
    await dark.context.close();

    const phone = await watchedPage(browser, { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.page.goto(`${stack.baseUrl}/`);
    await waitReady(phone.page, 'overview');
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the overview is ${overflow} px wider than the phone`);
    await phone.page.screenshot({ path: artifact('overview-phone.png'), fullPage: true });
    keep('overview-phone.png');
    await phone.page.goto(`${stack.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(phone.page, 'repo');
    const repoOverflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(repoOverflow <= 1, `the repository page is ${repoOverflow} px wider than the phone`);
    await phone.page.screenshot({ path: artifact('repository-phone.png'), fullPage: true });
    assertClean(phone);
    await phone.context.close();
  });
});

describe('ghtraffic report', () => {
  test('opens from file://, draws everything and makes no network request', async () => {
    const file = await writeReport(stack);
    const url = pathToFileURL(file).href;
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(url);
    await waitReady(page, 'overview');
    const names = await page.$$eval('#repos-table tbody tr[data-repo]', (rows) => rows.map((r) => r.dataset.repo));
    assert.deepEqual([...names].sort(), REPOS);
    assert.ok(await paintedPixels(page, '#overview-chart') > 0, 'the overview chart is blank');
    assert.match(await page.textContent('#status'), /Report generated/);

    // A selection and compare are derived from the report's data.
    await page.check('tr[data-repo="octo-org/repo-1"] input[type="checkbox"]');
    await page.waitForFunction(() => /1 checked repository/.test(document.querySelector('#overview-chart + p').textContent));
    await page.click('a[href="#/repo/octo-org/repo-0"]');
    await waitReady(page, 'repo');
    for (const chart of ['#views-chart', '#clones-chart', '#counters-chart']) {
      assert.ok(await paintedPixels(page, chart) > 0, `${chart} is blank in the report`);
    }
    const titles = await page.$$eval('table.paths .title', (cells) => cells.map((c) => c.textContent));
    assert.ok(titles.includes(XSS_TITLE));
    assert.equal(await page.locator('img').count(), 0);
    await page.goto(`${url}#/compare?repo=octo-org%2Frepo-0&repo=octo-org%2Frepo-1`);
    await waitReady(page, 'compare');
    assert.equal(await page.evaluate(() => window.__ghtraffic.charts.compare.series.length), 3);
    await page.screenshot({ path: artifact('report.png'), fullPage: true });

    const foreign = watch.requests.filter((u) => !(u === url || u.startsWith(url + '#') || u.startsWith('data:') || u.startsWith('blob:')));
    assert.deepEqual(foreign, [], 'the report made network requests');
    assertClean(watch);
    await watch.context.close();
  });

  test('answers from its islands exactly what the server answers', async () => {
    const file = await writeReport(stack);
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(pathToFileURL(file).href);
    await waitReady(page, 'overview');
    const q = (name) => 'repo=' + encodeURIComponent(name);
    const paths = [
      '/api/repos', '/api/daily', '/api/daily?split=1', `/api/daily?${q(REPOS[1])}`,
      `/api/daily?${q(REPOS[2])}&${q(REPOS[0])}`, `/api/daily?split=1&${q(REPOS[2])}&${q(REPOS[0])}`,
      `/api/counters?${q(REPOS[0])}`, `/api/paths?${q(REPOS[0])}`, `/api/referrers?${q(REPOS[2])}`,
    ];
    for (const p of paths) {
      const served = await (await fetch(stack.baseUrl + p)).json();
      const fromReport = await page.evaluate((apiPath) => window.__ghtraffic.api(apiPath), p);
      assert.deepEqual(fromReport, served, p);
    }
    const missing = await page.evaluate(() => window.__ghtraffic.api('/api/daily?repo=octo-org%2Fnobody').then(() => 'found', (e) => e.message));
    assert.match(missing, /no repository octo-org\/nobody/);
    assertClean(watch);
    await watch.context.close();
  });
});

describe('a store whose collector stopped months ago', () => {
  const AGO = 113;
  let stale;
  before(async () => {
    stale = await startStack({ repos: 2, collections: [{ daysAgo: AGO }], days: 200 });
    stale.lastCollected = new Date(Date.now() - AGO * 864e5).toISOString().slice(0, 10);
  });
  after(async () => {
    if (stale) await stale.stop();
  });

  // The stored days: the 15 ending on the day of the only collection.
  const storedFrom = () => new Date(Date.parse(`${stale.lastCollected}T00:00:00Z`) - 14 * 864e5).toISOString().slice(0, 10);

  async function staleNoticeOffersTheStoredDays(page, view, chartKey) {
    const notice = page.locator('.stale-range');
    assert.match(await notice.textContent(), new RegExp(`^Last collected ${AGO} days ago: these days are gaps\\.`));
    await page.click('.stale-range button.show-stored');
    await waitReady(page, view);
    await page.waitForFunction((key) => window.__ghtraffic.charts[key], chartKey);
    assert.equal(await page.inputValue('#range-from'), storedFrom());
    assert.equal(await page.inputValue('#range-to'), stale.lastCollected);
    assert.equal(await page.locator('.stale-range').count(), 0, 'the stored days are not stale');
    const values = await page.evaluate((key) => Array.from(window.__ghtraffic.charts[key].data[1]), chartKey);
    assert.equal(values.length, 15);
    assert.ok(values.every((v) => typeof v === 'number'), `the stored days are drawn: ${values}`);
  }

  test('the overview shows "–" for periods no collection covered and offers the stored days', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stale.baseUrl}/`);
    await waitReady(page, 'overview');
    const row = 'tr[data-repo="octo-org/repo-0"]';
    const gaps = await page.$$eval(`${row} td.no-data`, (cells) => cells.map((c) => ({ text: c.textContent, title: c.title })));
    assert.deepEqual(gaps, Array(4).fill({ text: '–', title: 'no collection covered these days' }));
    assert.equal(await page.textContent('#overview-totals'), 'In this range: – views, – clones.');
    assert.equal(await page.getAttribute('#overview-totals strong', 'title'), 'no collection covered these days');
    await page.screenshot({ path: artifact('gap-period.png'), fullPage: true });
    keep('gap-period.png');

    // The CSV has an empty cell where the table has "–", never 0.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[aria-label="Download CSV: repositories table"]'),
    ]);
    const lines = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
    const header = lines[0].split(',');
    const cells = lines.find((l) => l.startsWith('octo-org/repo-0,')).split(',');
    for (const column of ['views_14d', 'views_30d', 'clones_14d', 'clones_30d']) {
      assert.equal(cells[header.indexOf(column)], '', `${column} in the CSV: ${lines.join(' | ')}`);
      assert.equal(cells[header.indexOf(`${column}_days`)], '0');
    }

    await staleNoticeOffersTheStoredDays(page, 'overview', 'overview');
    assert.match(await page.textContent('#overview-totals'), /^In this range: [\d,]+ views, [\d,]+ clones\.$/);
    assertClean(watch);
    await watch.context.close();
  });

  test('the repository headline and compare show "–" too, and the range with data is one click away', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stale.baseUrl}/#/repo/octo-org/repo-1`);
    await waitReady(page, 'repo');
    const headline = await page.$$eval('.stats .stat', (nodes) => nodes.slice(0, 4).map((n) => [n.querySelector('.value').textContent, n.title]));
    const none = 'no collection covered these days';
    assert.deepEqual(headline[0], ['–', none], 'views, 14 d');
    assert.deepEqual(headline[2], ['–', none], 'clones, 14 d');
    assert.deepEqual(headline[3], ['–', none], 'views in the range');
    await staleNoticeOffersTheStoredDays(page, 'repo', 'views');
    assert.match(await page.textContent('.stats .stat:nth-child(4) .value'), /^[\d,]+$/);

    await page.goto(`${stale.baseUrl}/#/compare?repo=octo-org%2Frepo-0&repo=octo-org%2Frepo-1`);
    await page.click('button[data-range="30"]');
    await waitReady(page, 'compare');
    assert.deepEqual(await page.$$eval('#compare-totals tbody td.no-data', (cells) => cells.map((c) => [c.textContent, c.title])), [['–', none], ['–', none]]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[aria-label="Download CSV: compared daily views"]'),
    ]);
    const rows = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n').slice(1);
    assert.equal(rows.length, 30);
    assert.ok(rows.every((r) => /^\d{4}-\d{2}-\d{2},,$/.test(r)), `gap days are empty cells: ${rows[0]}`);
    await staleNoticeOffersTheStoredDays(page, 'compare', 'compare');
    assert.equal(await page.locator('#compare-totals tbody td.no-data').count(), 0);
    assertClean(watch);
    await watch.context.close();
  });

  test('the report shows the same', async () => {
    const file = await writeReport(stale);
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(pathToFileURL(file).href);
    await waitReady(page, 'overview');
    assert.equal(await page.locator('tr[data-repo="octo-org/repo-1"] td.no-data').count(), 4);
    await staleNoticeOffersTheStoredDays(page, 'overview', 'overview');
    assertClean(watch);
    await watch.context.close();
  });
});

describe('star history and release downloads', () => {
  let backfilled;
  before(async () => {
    backfilled = await startStack({ repos: 1, backfill: true });
  });
  after(async () => {
    if (backfilled) await backfilled.stop();
  });

  test('the stars chart reaches back to the first star, history drawn apart, and downloads have a chart', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    const counters = await (await fetch(`${backfilled.baseUrl}/api/counters?repo=octo-org/repo-0`)).json();
    assert.ok(counters.history.length > 30, 'the backfill stored the star history');
    const firstStar = daySeconds(counters.history[0].date);
    await page.goto(`${backfilled.baseUrl}/#/repo/octo-org/repo-0`);
    await waitReady(page, 'repo');
    await page.waitForFunction(() => window.__ghtraffic.charts.counters);
    const chart = await page.evaluate(() => {
      const c = window.__ghtraffic.charts.counters;
      return { labels: c.series.map((s) => s.label), x0: c.data[0][0], data: c.data.map((d) => Array.from(d)) };
    });
    assert.ok(chart.labels.includes('Stars (history)'), `labels: ${chart.labels}`);
    assert.ok(chart.x0 <= firstStar, 'the chart starts at the first star, before the 30-day range');
    const history = chart.data[chart.labels.indexOf('Stars (history)')];
    const snapshots = chart.data[chart.labels.indexOf('Stars')];
    assert.equal(typeof history[chart.data[0].indexOf(firstStar)], 'number');
    assert.equal(snapshots[chart.data[0].indexOf(firstStar)], null, 'no snapshot before the first collection');
    assert.ok(await paintedPixels(page, '#downloads-chart') > 0, 'the downloads chart is blank');
    const downloads = await page.evaluate(() => Array.from(window.__ghtraffic.charts.downloads.data[1]));
    assert.ok(downloads.some((v) => v === 0), `today's downloads since the earlier snapshot: ${downloads}`);
    assert.ok(downloads.some((v) => v === null), 'days without a snapshot are gaps');
    await page.screenshot({ path: artifact('star-history.png'), fullPage: true });
    keep('star-history.png');
    assertClean(watch);
    await watch.context.close();
  });
});

describe('many repositories', () => {
  const COUNT = 250;
  let wide;
  before(async () => {
    wide = await startStack({ repos: COUNT, gap: false });
  });
  after(async () => {
    if (wide) await wide.stop();
  });

  test('the chart is drawn first, then every row, in order after sorting and filtering', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${wide.baseUrl}/`);
    await waitReady(page, 'overview');
    const marks = await page.evaluate(() => ['ghtraffic:overview-chart-drawn', 'ghtraffic:overview-drawn'].map((n) => performance.getEntriesByName(n)[0].startTime));
    assert.ok(marks[0] <= marks[1], `the chart mark (${marks[0]} ms) comes after the page's (${marks[1]} ms)`);
    const rowNames = () => page.$$eval('#repos-table tbody tr[data-repo]', (rows) => rows.map((r) => r.dataset.repo));
    assert.equal((await rowNames()).length, COUNT);

    // Sorted by name, descending: every row, in order, once (the rows added frame by
    // frame included).
    const expected = Array.from({ length: COUNT }, (_, i) => `octo-org/repo-${i}`).sort((a, b) => b.localeCompare(a));
    await page.click('button.sort[data-key="repo"]');
    if ((await rowNames())[0] !== expected[0]) await page.click('button.sort[data-key="repo"]');
    await page.waitForFunction((n) => document.querySelectorAll('#repos-table tbody tr[data-repo]').length === n, COUNT);
    assert.deepEqual(await rowNames(), expected);

    // A filter typed while the rows are still coming in leaves only its own rows.
    await page.evaluate(() => {
      document.querySelector('button.sort[data-key="repo"]').click();  // starts a fill
      const filter = document.querySelector('#repo-filter');
      filter.value = 'repo-1';
      filter.dispatchEvent(new Event('input', { bubbles: true }));  // before its next frame
    });
    const matching = expected.filter((n) => n.includes('repo-1'));
    await page.waitForFunction((n) => document.querySelectorAll('#repos-table tbody tr[data-repo]').length === n, matching.length);
    // A few frames more: the fill the filter replaced must not add its rows late.
    await page.evaluate(() => new Promise((resolve) => {
      let frames = 5;
      const tick = () => (--frames ? requestAnimationFrame(tick) : resolve());
      requestAnimationFrame(tick);
    }));
    assert.deepEqual([...(await rowNames())].sort(), [...matching].sort());
    assert.match(await page.textContent('section.panel > span.note'), new RegExp(`^${matching.length} of ${COUNT} repositories$`));
    assertClean(watch);
    await watch.context.close();
  });
});

// The browser half of `ghtraffic-bench dashboard`: opens the overview and one repository
// page of a running `ghtraffic serve` in Debian's chromium (headless, through
// playwright-core), each in a fresh context (no cache), and prints as JSON how long after
// navigation start the page's charts were drawn: the `ghtraffic:<view>-drawn` mark that
// web/src/js/app.js sets once a render has finished, checked against the canvas pixels.
//
//   node bench/dashboard-browser.mjs --url http://127.0.0.1:PORT --repo OWNER/REPO [--runs 5]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chromiumPath = process.env.GHTRAFFIC_CHROMIUM || '/usr/bin/chromium';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    repo: { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
});
if (!values.url || !values.repo) {
  console.error('usage: node bench/dashboard-browser.mjs --url http://127.0.0.1:PORT --repo OWNER/REPO [--runs N]');
  process.exit(2);
}
const runs = Number(values.runs);

function loadPlaywright() {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  try {
    return require(require.resolve('playwright-core', { paths: [path.join(repoRoot, 'node_modules')] }));
  } catch (e) {
    console.error('playwright-core is not in node_modules; run scripts/setup (npm ci)');
    process.exit(2);
  }
}

const median = (list) => {
  const s = [...list].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// Navigation start to the drawn mark, the data fetches' end, and the painted pixels of
// every chart canvas on the page (a blank canvas would mean nothing was drawn).
async function measure(browser, url, view) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  try {
    await page.goto(url, { waitUntil: 'commit' });
    const mark = `ghtraffic:${view}-drawn`;
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, { timeout: 60000, polling: 20 });
    return await page.evaluate(([name, chartName]) => {
      // The overview marks its chart before it fills the table; a page whose charts are the
      // last thing it draws has only the one mark.
      const ready = performance.getEntriesByName(name)[0].startTime;
      const chartMark = performance.getEntriesByName(chartName)[0];
      const drawn = chartMark ? chartMark.startTime : ready;
      const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/'));
      const fetched = Math.max(0, ...api.filter((e) => e.responseEnd <= drawn).map((e) => e.responseEnd));
      const canvases = [...document.querySelectorAll('.chart canvas')];
      const painted = canvases.map((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n += 1;
        return n;
      });
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        drawn_ms: drawn,
        ready_ms: ready,
        fetched_ms: fetched,
        dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
        api_bytes: api.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0),
        charts: canvases.length,
        blank_charts: painted.filter((n) => n === 0).length,
        table_rows: document.querySelectorAll('#repos-table tbody tr').length,
      };
    }, [mark, `ghtraffic:${view}-chart-drawn`]).then((figures) => ({ ...figures, problems }));
  } finally {
    await context.close();
  }
}

function summary(list) {
  const drawn = list.map((r) => r.drawn_ms);
  return {
    drawn_median_ms: median(drawn),
    drawn_max_ms: Math.max(...drawn),
    ready_median_ms: median(list.map((r) => r.ready_ms)),
    fetched_median_ms: median(list.map((r) => r.fetched_ms)),
    charts: list[0].charts,
    blank_charts_max: Math.max(...list.map((r) => r.blank_charts)),
    problems: [...new Set(list.flatMap((r) => r.problems))],
    runs: list,
  };
}

const playwright = loadPlaywright();
const browser = await playwright.chromium.launch({
  executablePath: chromiumPath,
  args: [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
  ],
});
try {
  const base = values.url.replace(/\/$/, '');
  const repoUrl = `${base}/#/repo/${values.repo.split('/').map(encodeURIComponent).join('/')}`;
  // One untimed load of each first: chromium's own start-up is not the page's.
  await measure(browser, `${base}/`, 'overview');
  await measure(browser, repoUrl, 'repo');
  const overview = [];
  const repo = [];
  for (let i = 0; i < runs; i++) {
    overview.push(await measure(browser, `${base}/`, 'overview'));
    repo.push(await measure(browser, repoUrl, 'repo'));
  }
  const result = { runs, repo_page: values.repo, overview: summary(overview), repo: summary(repo) };
  for (const page of [result.overview, result.repo]) {
    if (page.blank_charts_max > 0 || page.problems.length) {
      console.error(`a page drew a blank chart or reported errors: ${JSON.stringify(page.problems)}`);
      process.exitCode = 1;
    }
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}

// The banner of repositories at risk or with lost days, in a browser: a store where one
// repository was last collected 20 days ago (6 days lost), one 12 days ago (2 days left)
// and one today.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { artifact, launchBrowser, repoRoot, startStack, waitReady, watchedPage, writeReport } from './harness.mjs';

let stack;
let browser;

function keep(name) {
  if (process.env.GHTRAFFIC_UPDATE_DOC_IMAGES !== '1') return;
  const dir = path.join(repoRoot, 'docs', 'images');
  mkdirSync(dir, { recursive: true });
  copyFileSync(artifact(name), path.join(dir, name));
}

before(async () => {
  stack = await startStack({
    repos: 3,
    collections: [
      { daysAgo: 20 },
      { daysAgo: 12, repos: ['octo-org/repo-1'] },
      { daysAgo: 0, repos: ['octo-org/repo-2'] },
    ],
  });
  browser = await launchBrowser(stack.playwright);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

async function bannerItems(page) {
  return page.$$eval('#alert-banner li[data-repo]', (items) => items.map((li) => ({
    repo: li.dataset.repo, urgency: li.dataset.urgency, text: li.textContent,
  })));
}

describe('the banner of repositories that need collecting', () => {
  test('names the repositories with lost days or at risk, most urgent first', async () => {
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(`${stack.baseUrl}/`);
    await waitReady(page, 'overview');
    await page.waitForSelector('#alert-banner:not([hidden])', { timeout: 10000 });
    const title = await page.textContent('#alert-banner .banner-title');
    assert.match(title, /Days are being lost/);
    const items = await bannerItems(page);
    assert.deepEqual(items.map((i) => [i.repo, i.urgency]), [['octo-org/repo-0', 'lost'], ['octo-org/repo-1', 'at-risk']]);
    assert.match(items[0].text, /6 days lost \(\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}\)/);
    assert.match(items[1].text, /2 days left/);
    assert.match(await page.textContent('#alert-banner'), /ghtraffic collect/);
    await page.screenshot({ path: artifact('banner.png'), clip: { x: 0, y: 0, width: 1280, height: 420 } });
    keep('banner.png');

    // Its link opens the repository's page, and the banner stays.
    await page.click('#alert-banner a[href="#/repo/octo-org/repo-0"]');
    await waitReady(page, 'repo');
    assert.equal(await page.locator('#alert-banner').isVisible(), true);
    assert.deepEqual(watch.problems, []);
    assert.deepEqual(watch.dialogs, []);
    await watch.context.close();
  });

  test('the report shows the same banner as of the day it was made', async () => {
    const file = await writeReport(stack);
    const watch = await watchedPage(browser);
    const { page } = watch;
    await page.goto(pathToFileURL(file).href);
    await waitReady(page, 'overview');
    await page.waitForSelector('#alert-banner:not([hidden])', { timeout: 10000 });
    const items = await bannerItems(page);
    assert.deepEqual(items.map((i) => i.repo), ['octo-org/repo-0', 'octo-org/repo-1']);
    assert.match(await page.textContent('#alert-banner'), /As of the report/);
    assert.deepEqual(watch.problems, []);
    await watch.context.close();
  });
});

// Shared setup of the browser tests: the mock GitHub server, a store filled by real
// `ghtraffic collect` runs (with a gap between them), `ghtraffic serve`, and chromium
// driven by playwright-core.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifactsDir = path.join(repoRoot, 'test-artifacts');
export const chromiumPath = process.env.GHTRAFFIC_CHROMIUM || '/usr/bin/chromium';

const SETUP_HINT = 'run scripts/setup (it installs chromium and the npm packages), then build ghtraffic';

// Everything the tests need, or one error that says what is missing. Never a skip: a
// machine without a browser must not pass the browser tests.
export function requirements() {
  const missing = [];
  const binary = process.env.GHTRAFFIC_BINARY;
  const mock = process.env.GHTRAFFIC_MOCK_BINARY;
  if (!binary || !existsSync(binary)) missing.push(`GHTRAFFIC_BINARY (the ghtraffic executable): ${binary || 'not set'}`);
  if (!mock || !existsSync(mock)) missing.push(`GHTRAFFIC_MOCK_BINARY (ghtraffic-mock-github): ${mock || 'not set'}`);
  if (!existsSync(chromiumPath)) missing.push(`chromium at ${chromiumPath}`);
  let playwright = null;
  try {
    const require = createRequire(path.join(repoRoot, 'package.json'));
    const paths = [path.join(repoRoot, 'node_modules'), ...(process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean)];
    playwright = require(require.resolve('playwright-core', { paths }));
  } catch (e) {
    missing.push('playwright-core in node_modules');
  }
  if (missing.length) {
    throw new Error(`the browser tests cannot run; missing: ${missing.join('; ')}. To fix: ${SETUP_HINT}`);
  }
  return { binary, mock, playwright };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts a program that prints `listening on URL` as its first line; resolves to the URL.
function startListening(command, args, env, name) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not say where it listens within 20 s; stderr: ${stderr}`)), 20000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  return { child, url, stderr: () => stderr };
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

// The mock's history ends today; a first collection 40 days ago and a second today leave
// the days between the two 15-day windows uncovered: a gap (R3) of 25 days.
export const GAP_OFFSET_DAYS = 40;

// repos: how many repositories the mock has; gap: collect twice, GAP_OFFSET_DAYS apart
// (else once, today); collections, instead: [{ daysAgo, repos }] in order, each collecting
// the names in repos (every repository of the owner when absent) with the mock's clock
// daysAgo days back; days: the mock's days of history, ending today; backfill: run
// `ghtraffic backfill` after the collections (star and fork history back to the first star).
export async function startStack({ repos = 3, gap = true, collections = null, days = 90, backfill = false } = {}) {
  const { binary, mock, playwright } = requirements();
  const work = mkdtempSync(path.join(tmpdir(), 'ghtraffic-e2e-'));
  const store = `sqlite:${path.join(work, 'ghtraffic.db')}`;
  const now = Date.now();
  const today = isoDay(now);
  const earlier = isoDay(now - GAP_OFFSET_DAYS * 864e5);
  const stack = { work, store, today, earlier, children: [], playwright, binary };

  const mockServer = startListening(mock, ['--port', '0', '--repos', String(repos), '--owner', 'octo-org', '--days', String(days), '--token', 't'], {}, 'the mock GitHub server');
  stack.children.push(mockServer.child);
  stack.mockUrl = await mockServer.url;

  const setNow = async (iso) => {
    const response = await fetch(`${stack.mockUrl}/_mock/now`, { method: 'POST', body: JSON.stringify({ now: iso }), headers: { 'Content-Type': 'application/json' } });
    if (!response.ok) throw new Error(`POST /_mock/now answered ${response.status}`);
  };
  const collect = async (names) => {
    try {
      // Unpaced: the mock has no secondary rate limit to stay under.
      await run(binary, ['collect', '--api-url', stack.mockUrl, '--store', store, ...(names || ['--owner', 'octo-org']), '--quiet',
        '--max-per-minute', '1000000', '--concurrency', '16'], {
        env: { ...process.env, GITHUB_TOKEN: 't' },
        timeout: 30000,
      });
    } catch (e) {
      throw new Error(`ghtraffic collect failed: ${e.message}\n${e.stderr || ''}`);
    }
  };
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  if (collections) {
    for (const { daysAgo, repos: names } of collections) {
      await setNow(iso(now - daysAgo * 864e5));
      await collect(names);
    }
  } else {
    if (gap) {
      await setNow(`${earlier}T12:00:00Z`);
      await collect();
    }
    await setNow(iso(now));
    await collect();
  }
  if (backfill) {
    try {
      await run(binary, ['backfill', '--api-url', stack.mockUrl, '--store', store, '--quiet'], {
        env: { ...process.env, GITHUB_TOKEN: 't' },
        timeout: 30000,
      });
    } catch (e) {
      throw new Error(`ghtraffic backfill failed: ${e.message}\n${e.stderr || ''}`);
    }
  }

  const port = await freePort();
  const serve = startListening(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--store', store, '--collect-every', 'off'], {}, 'ghtraffic serve');
  stack.children.push(serve.child);
  stack.serveStderr = serve.stderr;
  stack.baseUrl = await serve.url;
  await waitForHealth(stack.baseUrl);

  stack.stop = async () => {
    for (const child of stack.children.reverse()) await stop(child);
    rmSync(work, { recursive: true, force: true });
  };
  return stack;
}

async function waitForHealth(base) {
  const deadline = Date.now() + 20000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ghtraffic serve did not answer /healthz within 20 s: ${last}`);
}

export async function writeReport(stack) {
  const out = path.join(stack.work, 'report.html');
  try {
    await run(stack.binary, ['report', '--out', out, '--store', stack.store], { timeout: 30000 });
  } catch (e) {
    throw new Error(`ghtraffic report failed: ${e.message}\n${e.stderr || ''}`);
  }
  return out;
}

// playwright-core gives every launch a fresh, temporary user-data-dir.
export async function launchBrowser(playwright) {
  mkdirSync(artifactsDir, { recursive: true });
  return playwright.chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
    ],
  });
}

// A page that records console errors, uncaught exceptions, dialogs and requests.
export async function watchedPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  const dialogs = [];
  const requests = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => requests.push(request.url()));
  return { context, page, problems, dialogs, requests };
}

export async function waitReady(page, view) {
  await page.waitForSelector(`main[data-view="${view}"][data-ready="true"]`, { timeout: 15000 });
}

// How many pixels of a chart's canvas differ from fully transparent.
export async function paintedPixels(page, selector) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(`${sel} canvas`);
    if (!canvas) return -1;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted += 1;
    return painted;
  }, selector);
}

export function artifact(name) {
  return path.join(artifactsDir, name);
}

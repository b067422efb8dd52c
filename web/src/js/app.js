// The router, the status strip and the banner, loaded last: it draws the view the address
// names (#/, #/repo/OWNER/NAME, #/compare?repo=...) with the last collection, the schedule
// and the rate limit above it, the repositories at risk or with lost days under that, and
// starts the page.
'use strict';

(() => {
  const g = window.ghtraffic;
  const {
    hooks, el, setChildren, fmtNum, fmtTime, repoHref, ApiError, api, isReport, clearApiCache, destroyCharts,
    setupRangeControl, syncRangeControl, renderOverview, renderRepo, renderCompare,
  } = g;

  // ---- banner: repositories at risk or with lost days (DESIGN.md "Days left") -------

  const BANNER_NAMED = 8;
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  function describeFreshness(repo) {
    if (repo.days_left === null) return 'never collected';
    if (repo.lost_days > 0) {
      const range = repo.lost_from === repo.lost_to ? repo.lost_from : `${repo.lost_from} to ${repo.lost_to}`;
      return `${plural(repo.lost_days, 'day', 'days')} lost (${range})`;
    }
    if (repo.days_left === 0) return '0 days left: collect it today';
    return `${plural(repo.days_left, 'day', 'days')} left`;
  }

  let bannerKey = null;
  function renderBanner(status) {
    const banner = document.getElementById('alert-banner');
    const repos = (status.attention && status.attention.repositories) || [];
    // Redrawn only when it changes, so that a screen reader hears it once.
    const key = JSON.stringify(repos.map((r) => [r.repo, r.days_left, r.lost_days]));
    if (key === bannerKey) return;
    bannerKey = key;
    banner.hidden = repos.length === 0;
    if (!repos.length) {
      banner.replaceChildren();
      return;
    }
    const lost = repos.filter((r) => r.lost_days > 0).length;
    const rest = repos.length - lost;
    const title = lost
      ? `Days are being lost: ${plural(lost, 'repository has', 'repositories have')} lost days that GitHub no longer shows` +
        (rest ? `, and ${rest} more ${rest === 1 ? 'needs' : 'need'} collecting soon` : '')
      : `${plural(repos.length, 'repository needs', 'repositories need')} collecting before GitHub forgets ${repos.length === 1 ? 'its' : 'their'} traffic`;
    const items = repos.slice(0, BANNER_NAMED).map((r) => el('li', { 'data-repo': r.repo, 'data-urgency': r.urgency },
      el('a', { href: repoHref(r.repo), text: r.repo }), ': ', describeFreshness(r),
      r.last_error ? el('span', { class: 'banner-error', text: ` · last attempt failed: ${r.last_error}` }) : null));
    if (repos.length > BANNER_NAMED) items.push(el('li', { text: `and ${repos.length - BANNER_NAMED} more` }));
    const advice = isReport()
      ? `As of the report (${status.generated_at ? fmtTime(status.generated_at) : status.today}). `
      : '';
    setChildren(banner,
      el('p', { class: 'banner-title' }, el('strong', { text: title })),
      el('ul', null, items),
      el('p', { class: 'banner-advice' }, advice, 'Run ', el('code', { text: 'ghtraffic collect' }),
        ' now, then check why the schedule stopped (an expired token, a broken cron line or timer, a disabled schedule); ',
        el('code', { text: 'ghtraffic status' }), ` tells each repository's last error. At ${plural(status.attention.warn_days, 'day', 'days')} left or fewer a repository is at risk.`));
    banner.dataset.lost = String(lost);
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
    renderBanner(status);
    const runKey = status.last_run ? status.last_run.finished_at || status.last_run.started_at : null;
    if (lastRunSeen !== undefined && runKey !== lastRunSeen) {
      clearApiCache();
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

  Object.assign(g, { render, showError });
  start();
})();

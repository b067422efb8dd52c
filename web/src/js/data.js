// The data layer: api(path) answers a path of the JSON API (docs/api.md). Served, it asks
// the server and keeps each answer until the next collection; in a report it answers from
// the page's JSON islands, which hold the same answers, so the views never know which.
'use strict';

(() => {
  const { hooks, dayNum, dayStr } = window.ghtraffic;

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
    // As the API sums them: a day's uniques are a number only when every repository that
    // covers the day knows its own (imported history may not); otherwise null, never a sum
    // that reads as if the unknown ones were 0. A covered day (hadCount) whose uniques are
    // null already has an unknown one.
    const addUniques = (day, field, hadCount, count, uniques) => {
      if (count === null) return;
      const unknown = uniques === null || (hadCount && day[field] === null);
      day[field] = unknown ? null : (day[field] || 0) + uniques;
    };
    // Adds a repository's columns into days (a gap adds nothing: a day no repository
    // covered stays null).
    const addInto = (days, c) => {
      if (c.from === null) return;
      const offset = dayNum(c.from) - first;
      for (let i = 0; i < c.views.length; i++) {
        const day = days[offset + i];
        const hadViews = day.views !== null;
        const hadClones = day.clones !== null;
        day.views = add(day.views, c.views[i]);
        addUniques(day, 'views_unique', hadViews, c.views[i], c.views_unique[i]);
        day.clones = add(day.clones, c.clones[i]);
        addUniques(day, 'clones_unique', hadClones, c.clones[i], c.clones_unique[i]);
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

  // After a collection every kept answer is stale.
  const clearApiCache = () => cache.clear();

  Object.assign(window.ghtraffic, { ApiError, api, isReport, repoQuery, clearApiCache });
})();

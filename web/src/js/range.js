// The range control (14 d, 30 d, 90 d, 1 y, all, or from/to) and the days it selects.
'use strict';

(() => {
  const g = window.ghtraffic;
  const { state, dayNum, dayStr, isDay, todayNum, el } = g;

  // The days to draw: the range control applied to the data's span and today.
  function resolveRange(firstDay, lastDay) {
    const end = Math.max(todayNum(), lastDay === null ? -Infinity : lastDay);
    const r = state.range;
    if (r.kind === 'custom' && r.from !== null && r.to !== null) return { from: r.from, to: r.to };
    if (r.kind === 'all') {
      return { from: firstDay === null ? end - 29 : Math.min(firstDay, end), to: end };
    }
    const n = Number(r.kind) || 30;
    return { from: end - n + 1, to: end };
  }

  // Marks the pressed button and shows the days drawn in from/to (null: buttons only).
  function syncRangeControl(range) {
    const control = document.getElementById('range-control');
    for (const button of control.querySelectorAll('button[data-range]')) {
      button.setAttribute('aria-pressed', String(button.dataset.range === state.range.kind));
    }
    if (range) {
      document.getElementById('range-from').value = dayStr(range.from);
      document.getElementById('range-to').value = dayStr(range.to);
    }
  }

  // When the newest stored day is older than the range, every day drawn is a gap: say so
  // and offer the stored days with one click. span: the data's first and last day.
  function staleNotice(span, range) {
    if (span.last === null || span.last >= range.from) return null;
    const ago = todayNum() - span.last;
    const stored = `${dayStr(span.first)} to ${dayStr(span.last)}`;
    return el('div', { class: 'stale-range', role: 'status' },
      el('span', { text: `Last collected ${ago} day${ago === 1 ? '' : 's'} ago: these days are gaps.` }),
      el('button', {
        type: 'button',
        class: 'show-stored',
        text: `Show the stored days (${stored})`,
        onclick: () => {
          state.range = { kind: 'custom', from: span.first, to: span.last };
          g.render();
        },
      }));
  }

  function setupRangeControl() {
    const control = document.getElementById('range-control');
    control.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-range]');
      if (!button) return;
      state.range = { kind: button.dataset.range, from: null, to: null };
      g.render();
    });
    const from = document.getElementById('range-from');
    const to = document.getElementById('range-to');
    const apply = () => {
      if (!isDay(from.value) || !isDay(to.value)) return;
      let a = dayNum(from.value);
      let b = dayNum(to.value);
      if (a > b) [a, b] = [b, a];
      state.range = { kind: 'custom', from: a, to: b };
      g.render();
    };
    from.addEventListener('change', apply);
    to.addEventListener('change', apply);
  }

  Object.assign(g, { resolveRange, syncRangeControl, setupRangeControl, staleNotice });
})();

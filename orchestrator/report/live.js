// SPDX-License-Identifier: Apache-2.0
// faultline live page: the report of a run that is still going. Every second
// it fetches /live.json (the report's data so far: summary, series, events,
// and `now`, the present moment in brief), puts it where the report's script
// reads its data (#fl-data) and has report.js (served beside this file) draw
// the page again, with the graph at the present moment (mode "time"). Nothing
// is drawn here but the bar at the top: the page is the report's, so the two
// cannot disagree. A click on the bar holds the page (to look around) and
// follows again.
(function () {
  'use strict';
  const PERIOD_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const bar = $('fl-live');
  let draws = 0, failures = 0, held = false, ended = false, lastNow = {};
  // report.js runs after the first fetch, later than the page's load event,
  // where catcher.js would take its absence for a script that never ran:
  // nothing has failed yet. Each drawing writes its own check over this.
  $('render-check').setAttribute('data-ok', '1');
  $('render-check').setAttribute('data-live-draws', '0');

  function say(text, cls) {
    bar.textContent = text;
    bar.className = 'live-bar' + (cls ? ' ' + cls : '');
  }
  function describe(now) {
    const t = typeof now.t_s === 'number' ? now.t_s.toFixed(1) + ' s' : '';
    const parts = ['LIVE', 'run ' + (now.run || bar.dataset.run || ''), t, now.phase || ''];
    if (now.verdict) parts.push(now.verdict);
    if (held) parts.push('held: click to follow');
    return parts.filter(Boolean).join(' \u00b7 ');
  }
  bar.addEventListener('click', () => {
    if (ended) return;
    held = !held;
    say(describe(lastNow), held ? 'held' : '');
  });

  function draw(data) {
    const now = data.now && typeof data.now === 'object' ? data.now : {};
    lastNow = now;
    $('fl-data').textContent = JSON.stringify({ summary: data.summary, series: data.series, events: data.events });
    // The graph at the present moment: a little behind now, since the last
    // windows still wait for their requests' records.
    const w = typeof now.health_window_s === 'number' && now.health_window_s > 0 ? now.health_window_s : 0.1;
    const t = Math.max(0, (typeof now.t_s === 'number' ? now.t_s : 0) - 5 * w);
    history.replaceState(null, '', '#t=' + t.toFixed(2));
    $('fl-header').replaceChildren();
    $('fl-main').replaceChildren();
    const s = document.createElement('script');
    s.src = '/report.js?draw=' + (draws + 1);
    s.onload = () => {
      draws++;
      s.remove();
      const rc = $('render-check');
      rc.setAttribute('data-live-draws', String(draws));
      rc.setAttribute('data-live-t', String(now.t_s));
      rc.setAttribute('data-live-verdict', String(now.verdict || ''));
    };
    document.body.appendChild(s);
    say(describe(now), '');
  }

  async function poll() {
    if (!held) {
      try {
        const r = await fetch('/live.json', { cache: 'no-store' });
        if (!r.ok) throw new Error('HTTP ' + r.status);
        const data = await r.json();
        failures = 0;
        if (data && data.summary) draw(data);
        else say('LIVE \u00b7 waiting for the first tick\u2026', '');
      } catch (e) {
        // The owner stops serving when the run ends.
        if (++failures >= 3) {
          ended = true;
          say('the run has ended (its owner no longer answers); the page shows its last state', 'ended');
          return;
        }
      }
    }
    setTimeout(poll, PERIOD_MS);
  }
  poll();
})();

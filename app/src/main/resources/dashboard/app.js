// The StreamRLHF dashboard page: reads /api/state once, then follows /api/events (Server-Sent Events, one full
// snapshot per change) and redraws. Everything is drawn from the latest snapshot; nothing is kept in between
// except which versions were already on screen (to highlight new ones).
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  const { render: chart, formatNumber: num, formatPercent: pct, formatTime } = Charts;
  const TOPIC_LABELS = {
    responses: 'Responses', feedback: 'Feedback', preferences: 'Preferences', prompts: 'Prompts',
    judgeVerdicts: 'Judge verdicts', ktoExamples: 'KTO examples', dpoPairs: 'DPO pairs',
    policyVersions: 'Policy versions', trainerMetrics: 'Trainer metrics', deadLetters: 'Dead letters'
  };
  const INPUT_ROLES = ['responses', 'feedback', 'preferences'];
  // Topics whose rate says how the loop flows; versions and trainer metrics are plotted elsewhere.
  const FLOW_ROLES = ['responses', 'feedback', 'preferences', 'prompts', 'judgeVerdicts', 'ktoExamples', 'dpoPairs',
    'deadLetters'];
  const seenVersions = new Set();
  let firstRender = true;
  let snapshot = null;
  let redrawQueued = false;

  function ago(ms, now) {
    const s = Math.max(0, Math.round((now - ms) / 1000));
    if (s < 60) return s + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm ago';
    return Math.floor(s / 86400) + 'd ago';
  }

  function el(tag, className, parent, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function setConnection(state, text) {
    $('conn').dataset.state = state;
    $('conn-text').textContent = text;
  }

  function schedule() {
    if (redrawQueued) return;
    redrawQueued = true;
    requestAnimationFrame(() => { redrawQueued = false; if (snapshot) draw(snapshot); });
  }

  function accept(s) {
    if (snapshot && s.revision < snapshot.revision && s.serverTime <= snapshot.serverTime) return;
    snapshot = s;
    schedule();
  }

  // ---- figures derived from the snapshot -------------------------------------------------------------

  function latestVersion(s) {
    return s.versions.length ? s.versions[s.versions.length - 1] : null;
  }

  function latestWith(list, field) {
    const rows = list.filter(r => r[field] !== null && r[field] !== undefined);
    return rows.length ? [rows[rows.length - 1], rows.length > 1 ? rows[rows.length - 2] : null] : [null, null];
  }

  function lastPoint(points) {
    return points && points.length ? points[points.length - 1][1] : null;
  }

  function rateSeries(s) {
    const out = [];
    for (const role of FLOW_ROLES) {
      const label = TOPIC_LABELS[role];
      const name = s.topics[role];
      const points = s.activity.rates[name];
      if (points && points.some(p => p[1] > 0)) out.push({ name: label, role, points });
    }
    return out;
  }

  function delta(now, before) {
    if (before === null || before === undefined || now === null || now === undefined) return null;
    const d = (now - before) * 100;
    const span = el('span', d >= 0 ? 'up' : 'down', null, (d >= 0 ? '▲' : '▼') + Math.abs(d).toFixed(1));
    span.title = 'percentage points against the previous version';
    return span;
  }

  // ---- drawing ------------------------------------------------------------------------------------------

  function kpi(parent, label, value, unit, note, alert) {
    const box = el('div', 'kpi' + (alert ? ' alert' : ''), parent);
    el('div', 'label', box, label);
    const v = el('div', 'value', box, value);
    if (unit) el('small', '', v, unit);
    const n = el('div', 'note', box);
    for (const part of [].concat(note || [])) {
      if (part === null || part === undefined) continue;
      if (typeof part === 'string') n.appendChild(document.createTextNode(part));
      else n.appendChild(part);
    }
    return box;
  }

  function drawKpis(s) {
    const box = $('kpis');
    box.textContent = '';
    const now = s.serverTime;
    const v = latestVersion(s);
    kpi(box, 'Policy version', v ? 'v' + v.version : '–', null,
      v ? [ago(v.createdTime, now), v.parentVersion !== null ? ' · from v' + v.parentVersion : ''] : 'none published yet');

    const [up, upPrev] = latestWith(s.monitor.versions, 'thumbsUpRate');
    kpi(box, 'Thumbs-up rate', up ? pct(up.thumbsUpRate) : '–', null, up
      ? ['v' + up.version + ' · ' + Math.round(up.thumbsUpLow * 100) + '–' + Math.round(up.thumbsUpHigh * 100) + '% ',
        delta(up.thumbsUpRate, upPrev && upPrev.thumbsUpRate)]
      : monitorNote(s));

    const [judge, judgePrev] = latestWith(s.monitor.versions, 'judgePassRate');
    kpi(box, 'Judge pass rate', judge ? pct(judge.judgePassRate) : '–', null, judge
      ? ['v' + judge.version + ' · ' + num(judge.judged) + ' judged ', delta(judge.judgePassRate,
        judgePrev && judgePrev.judgePassRate)]
      : monitorNote(s));

    const total = s.versions.reduce((a, x) => a + x.examples, 0);
    kpi(box, 'Examples absorbed', num(total), null, v ? '+' + num(v.examples) + ' in v' + v.version : 'by published versions');

    const rates = rateSeries(s);
    const inputs = rates.filter(r => INPUT_ROLES.includes(r.role));
    const eps = inputs.reduce((a, r) => a + (lastPoint(r.points) || 0), 0);
    kpi(box, 'Event rate', num(Math.round(eps * 10) / 10), '/s', inputs.length
      ? inputs.map(r => r.name.toLowerCase() + ' ' + num(lastPoint(r.points))).join(' · ')
      : 'responses, feedback, preferences');

    const groups = Object.entries(s.activity.lag);
    const lagTotal = groups.reduce((a, [, g]) => a + g.total, 0);
    const worst = groups.slice().sort((a, b) => b[1].total - a[1].total)[0];
    kpi(box, 'Consumer lag', groups.length ? num(lagTotal) : '–', null,
      groups.length ? (groups.length + ' group' + (groups.length > 1 ? 's' : '') + (worst && worst[1].total > 0
        ? ' · most: ' + worst[0] : '')) : s.activity.status === 'error' ? 'offsets unavailable' : 'no groups yet');

    const dl = s.deadLetters;
    kpi(box, 'Dead letters', num(dl.total), null, dl.byReason.length
      ? dl.byReason[0].errorClass + ' on ' + dl.byReason[0].topic : 'none', dl.total > 0);
  }

  function monitorNote(s) {
    const m = s.monitor;
    if (m.status === 'disabled') return 'monitor not configured';
    if (m.status === 'error') return 'monitor unreachable';
    return 'waiting for feedback';
  }

  function monitorEmpty(s, what) {
    const m = s.monitor;
    if (m.status === 'disabled') return 'The version monitor is not configured (dashboard.monitor.url).';
    if (m.status === 'waiting') return 'Waiting for the version monitor at ' + m.url + ' …';
    if (m.status === 'error' && !m.versions.length) return 'Version monitor unreachable: ' + m.error;
    return 'No ' + what + ' yet';
  }

  function drawVersions(s) {
    const list = $('versions');
    const now = s.serverTime;
    const versions = s.versions.slice().reverse().slice(0, 300);
    const models = new Set(s.versions.map(v => v.modelId));
    const maxExamples = Math.max(1, ...versions.map(v => v.examples));
    const monitorByVersion = new Map(s.monitor.versions.map(m => [m.version, m]));
    $('versions-sub').textContent = s.versions.length ? s.versions.length + ' published' +
      (models.size > 1 ? ' · ' + models.size + ' models' : ' · ' + [...models][0]) : '';
    list.textContent = '';
    if (!versions.length) {
      el('li', 'empty', list, 'No policy version published yet. The trainer publishes one per training round.');
      return;
    }
    for (const v of versions) {
      const li = el('li', '', list);
      li.id = 'version-' + v.version;
      li.dataset.version = v.version;
      li.dataset.model = v.modelId;
      if (!firstRender && !seenVersions.has(v.modelId + ':' + v.version)) li.classList.add('fresh');
      seenVersions.add(v.modelId + ':' + v.version);
      el('div', 'v', li, 'v' + v.version);
      const line1 = el('div', 'line1', li);
      line1.appendChild(document.createTextNode(models.size > 1 ? v.modelId + ' ' : ''));
      el('span', 'parent', line1, v.parentVersion !== null ? 'from v' + v.parentVersion : 'initial');
      el('span', 'pill ' + v.status, line1, v.status.replace('_', ' ').toLowerCase());
      const m = monitorByVersion.get(v.version);
      if (m && m.thumbsUpRate !== null) el('span', 'metric', line1, pct(m.thumbsUpRate) + ' up').title = 'thumbs-up rate';
      const when = el('div', 'when', li, formatTime(v.createdTime, true));
      when.title = new Date(v.createdTime).toISOString() + '\n' + v.checkpointUri + '\nsha256 ' + v.sha256;
      const barBox = el('div', 'bar', li);
      barBox.title = v.examples + ' examples absorbed';
      el('div', '', barBox).style.width = (100 * v.examples / maxExamples).toFixed(1) + '%';
      el('div', 'count', li, num(v.examples) + ' ex · ' + ago(v.createdTime, now));
    }
  }

  function drawExamples(s) {
    const versions = s.versions.slice(-60);
    chart($('chart-examples'), {
      series: [{ name: 'examples', color: '#2563eb', kind: 'bar', points: versions.map(v => [v.version, v.examples]) }],
      x: { type: 'version', step: 1 }, y: { integer: true }, legend: false, empty: 'No versions yet'
    });
  }

  function trainerSeries(s, keys, extra) {
    return keys.filter(k => s.trainer.series[k]).map((k, i) => Object.assign(
      { name: k, points: s.trainer.series[k] }, extra ? extra(k, i) : {}));
  }

  function drawTrainer(s) {
    const keys = Object.keys(s.trainer.series);
    const empty = s.trainer.step < 0 ? 'No trainer metrics yet' : 'Not reported by the trainer';
    const lossKeys = keys.filter(k => k === 'loss' || k.startsWith('loss/') || k.startsWith('loss_'));
    chart($('chart-loss'), { series: trainerSeries(s, lossKeys), x: { type: 'number' }, empty });
    $('loss-sub').textContent = s.trainer.step >= 0 ? 'step ' + num(s.trainer.step) + ' · training v' +
      s.trainer.policyVersion : 'by optimizer step';
    // With several sources (kto, dpo) the trainer logs each as '<source>/rewards/margins'; plot those then.
    const perSource = suffix => keys.filter(k => k.endsWith('/' + suffix) && k !== suffix);
    const marginKeys = perSource('rewards/margins');
    chart($('chart-margins'), {
      series: marginKeys.length ? trainerSeries(s, marginKeys)
        : trainerSeries(s, ['rewards/margins', 'rewards/chosen', 'rewards/rejected'], k => ({
          color: { 'rewards/margins': '#2563eb', 'rewards/chosen': '#10b981', 'rewards/rejected': '#ef4444' }[k],
          dashed: k !== 'rewards/margins', width: k === 'rewards/margins' ? 2.2 : 1.4 })),
      x: { type: 'number' }, empty
    });
    const accuracyKeys = perSource('rewards/accuracies');
    chart($('chart-accuracy'), {
      series: trainerSeries(s, accuracyKeys.length ? accuracyKeys : ['rewards/accuracies'],
        (k, i) => accuracyKeys.length ? {} : { color: '#8b5cf6' }),
      x: { type: 'number' }, y: { min: 0, max: 1, format: pct }, empty
    });
    const klKeys = perSource('kl').length ? perSource('kl') : keys.filter(k => k === 'kl');
    chart($('chart-kl'), {
      series: trainerSeries(s, klKeys, () => (klKeys.length === 1 ? { color: '#f59e0b' } : {})),
      x: { type: 'number' }, empty
    });
    $('kl-sub').textContent = klKeys.length ? 'latest ' + klKeys.map(k => num(s.trainer.latest[k])).join(' / ')
      : 'policy vs reference';
    const perSecond = keys.includes('examples_per_s') ? ['examples_per_s'] : keys.filter(k => k.endsWith('_per_s')).slice(0, 1);
    chart($('chart-throughput'), {
      series: trainerSeries(s, perSecond, () => ({ color: '#06b6d4' })), x: { type: 'number' }, y: { zero: true }, empty
    });
    const tps = s.trainer.latest['tokens_per_s'];
    $('throughput-sub').textContent = (perSecond[0] ? perSecond[0].replace('_per_s', '') + ' / s' : 'per second') +
      (tps !== undefined ? ' · ' + num(tps) + ' tokens/s' : '');
  }

  function drawMonitor(s) {
    const m = s.monitor;
    const up = m.versions.filter(r => r.thumbsUpRate !== null);
    chart($('chart-thumbs-version'), {
      series: [{
        name: 'thumbs-up rate', color: '#2563eb', points: up.map(r => [r.version, r.thumbsUpRate]),
        band: up.filter(r => r.thumbsUpLow !== null).map(r => [r.version, r.thumbsUpLow, r.thumbsUpHigh])
      }],
      x: { type: 'version' }, y: { min: 0, max: 1, format: pct }, empty: monitorEmpty(s, 'rated responses')
    });
    const judged = m.versions.filter(r => r.judgePassRate !== null);
    chart($('chart-judge-version'), {
      series: [{ name: 'judge pass rate', color: '#10b981', points: judged.map(r => [r.version, r.judgePassRate]) }],
      x: { type: 'version' }, y: { min: 0, max: 1, format: pct }, empty: monitorEmpty(s, 'judged responses')
    });
    $('judge-sub').textContent = m.status === 'error' && m.versions.length ? 'monitor unreachable, showing last figures'
      : judged.length ? num(judged.reduce((a, r) => a + r.judged, 0)) + ' judged' : '';
    const byVersion = new Map();
    for (const r of m.minutes) {
      if (r.thumbsUpRate === null) continue;
      if (!byVersion.has(r.version)) byVersion.set(r.version, []);
      byVersion.get(r.version).push([r.minute, r.thumbsUpRate]);
    }
    const recent = [...byVersion.keys()].sort((a, b) => a - b).slice(-8);
    chart($('chart-thumbs-time'), {
      series: recent.map(v => ({ name: 'v' + v, points: byVersion.get(v) })),
      x: { type: 'time' }, y: { min: 0, max: 1, format: pct }, empty: monitorEmpty(s, 'rated responses')
    });
  }

  function drawActivity(s) {
    const rates = rateSeries(s);
    chart($('chart-rates'), {
      series: rates, x: { type: 'time' }, y: { zero: true },
      empty: s.activity.status === 'error' ? 'Offsets unavailable: ' + s.activity.error : 'No events yet'
    });
    const groups = Object.entries(s.activity.lag);
    chart($('chart-lag'), {
      series: groups.map(([g, lag]) => ({ name: g, points: lag.history })),
      x: { type: 'time' }, y: { zero: true },
      empty: s.activity.status === 'error' ? 'Offsets unavailable: ' + s.activity.error : 'No consumer groups yet'
    });
    $('lag-sub').textContent = groups.length ? 'total ' + num(groups.reduce((a, [, g]) => a + g.total, 0)) + ' · ' +
      groups.length + ' group' + (groups.length > 1 ? 's' : '') : 'records behind, per group';
  }

  function drawDeadLetters(s) {
    const dl = s.deadLetters;
    const side = $('dead-side');
    side.textContent = '';
    // Without dead letters the chart's message takes the whole card.
    side.parentElement.classList.toggle('none', !dl.total);
    chart($('chart-dead'), {
      series: [{ name: 'per minute', color: '#ef4444', kind: 'bar', points: dl.perMinute }],
      x: { type: 'time', step: 60000 }, y: { integer: true }, legend: false,
      empty: 'No dead letters: every record was readable and valid'
    });
    $('dead-sub').textContent = dl.total ? num(dl.total) + ' total · per minute' : 'records rejected, per minute';
    if (!dl.total) return;
    el('h3', '', side, 'By source and error');
    const t1 = el('table', '', side);
    for (const r of dl.byReason.slice(0, 5)) {
      const tr = el('tr', '', t1);
      el('td', 'code', tr, r.topic).title = r.topic;
      el('td', 'code', tr, r.errorClass).title = r.errorClass;
      el('td', 'n', tr, num(r.count));
    }
    el('h3', '', side, 'Most recent');
    const t2 = el('table', '', side);
    for (const r of dl.recent.slice(0, 8)) {
      const tr = el('tr', '', t2);
      el('td', 't', tr, formatTime(r.time, true));
      const td = el('td', '', tr);
      el('div', 'code', td, r.topic + '[' + r.partition + ']@' + r.offset + ' · ' + r.errorClass);
      el('div', 'reason', td, r.reason);
    }
  }

  function fixed(x) {
    return (x >= 0 ? '+' : '') + x.toFixed(3);
  }

  // One metric: its interval of canary minus parent against the harm and safe boundaries, as text and a bar.
  function canaryMetric(parent, m) {
    const row = el('div', 'cm ' + m.verdict, parent);
    el('span', 'name', row, m.metric);
    const thumbs = m.metric === 'thumbs-up';
    const text = '[' + fixed(m.differenceLow) + ', ' + fixed(m.differenceHigh) + '] · ' +
      (thumbs ? 'harm if high < ' + fixed(m.harmBoundary) + ', safe if low > ' + fixed(m.safeBoundary)
              : 'harm if low > ' + fixed(m.harmBoundary) + ', safe if high < ' + fixed(m.safeBoundary));
    el('span', 'stat', row, text);
    el('span', 'verdict', row, m.verdict.toLowerCase());
    row.title = m.metric + ': canary ' + m.canaryHits + '/' + m.canaryTrials + ', parent ' + m.parentHits + '/' +
      m.parentTrials + ', alpha ' + m.alpha;
    // The bar spans differences -0.5..0.5: the interval in colour, the boundaries as ticks.
    const bar = el('div', 'cbar', row);
    const pos = x => Math.max(0, Math.min(100, 50 + 100 * x)) + '%';
    const span = el('div', 'ci', bar);
    span.style.left = pos(m.differenceLow);
    span.style.width = `calc(${pos(m.differenceHigh)} - ${pos(m.differenceLow)})`;
    el('div', 'tick harm', bar).style.left = pos(m.harmBoundary);
    el('div', 'tick safe', bar).style.left = pos(m.safeBoundary);
    el('div', 'tick zero', bar).style.left = pos(0);
  }

  function drawCanary(s) {
    const c = s.canary;
    const lanes = $('canary-lanes');
    const list = $('canary-decisions');
    lanes.textContent = '';
    list.textContent = '';
    const rolledBack = c.lanes.reduce((n, l) => n + l.versions.filter(v => v.rolledBack).length, 0);
    $('canary-sub').textContent = c.lanes.length
      ? c.lanes.length + (c.lanes.length > 1 ? ' model ids' : ' model id') + ' · canary share ' + pct(c.share) +
        (rolledBack ? ' · ' + rolledBack + ' rolled back' : '')
      : 'no canary decisions (canary.enabled=false, or no version yet)';
    for (const lane of c.lanes) {
      const col = el('div', 'lane', lanes);
      col.dataset.model = lane.modelId;
      const head = el('div', 'lane-head', col);
      el('b', '', head, lane.baseModelId);
      if (lane.branch) el('span', 'branch', head, '@' + lane.branch);
      el('span', 'lane-note', head, (lane.promoted !== null ? 'serving v' + lane.promoted : '') +
        (lane.canary !== null ? ' · canary v' + lane.canary : ''));
      for (const v of lane.versions.slice().reverse().slice(0, 12)) {
        const card = el('div', 'cv ' + v.state + (v.rolledBack ? ' rolled-back' : ''), col);
        card.id = 'canary-' + lane.modelId + '-' + v.version;
        const top = el('div', 'cv-top', card);
        el('span', 'v', top, 'v' + v.version);
        el('span', 'pill ' + v.state, top, v.state.replace('_', ' ').toLowerCase());
        const share = v.state === 'STARTED' ? c.share : v.state === 'PROMOTED' && lane.promoted === v.version
          ? (lane.canary !== null ? 1 - c.share : 1) : 0;
        el('span', 'share', top, 'share ' + pct(share));
        if (v.state === 'STARTED' && v.live) {
          // The running canary's statistics from the evidence topic, as the controller last published them.
          card.classList.add('live');
          el('span', 'arms', top, 'vs v' + v.parentVersion + ' · ' + num(v.live.canarySamples) + ' / ' +
            num(v.live.parentSamples) + ' votes (canary / parent) so far');
          el('span', 'live-at', top, 'live · ' + formatTime(v.live.observedTime, true)).title =
            'published ' + formatTime(v.live.publishedTime, true) + ', running since ' + formatTime(v.startedTime, true);
        } else if (v.state === 'STARTED') {
          // No statistics published yet (no votes, or canary.evidence.interval=0s): since when it runs.
          el('span', 'arms', top, 'vs v' + v.parentVersion + ' · running since ' + formatTime(v.startedTime, true));
        } else if (v.parentVersion !== null && v.state !== 'SUPERSEDED') {
          el('span', 'arms', top, 'vs v' + v.parentVersion + ' · ' + num(v.canarySamples) + ' / ' +
            num(v.parentSamples) + ' votes (canary / parent)');
        }
        for (const m of (v.state === 'STARTED' && v.live ? v.live.metrics : v.metrics)) canaryMetric(card, m);
      }
    }
    for (const d of c.decisions.slice(0, 12)) {
      const li = el('li', d.outcome + (d.rolledBack ? ' rolled-back' : ''), list);
      el('span', 't', li, formatTime(d.decidedTime, true));
      el('span', 'pill ' + d.outcome, li, d.outcome.replace('_', ' ').toLowerCase());
      el('span', 'code', li, d.modelId + ' v' + d.version + (d.parentVersion !== null ? ' vs v' + d.parentVersion : ''));
      el('span', 'reason', li, d.reason + (d.metrics.length ? ' (α ' + d.alpha + ', ' + num(d.canarySamples) +
        ' / ' + num(d.parentSamples) + ' votes)' : ''));
    }
  }

  function drawMeta(s) {
    const meta = $('meta');
    meta.textContent = '';
    const v = latestVersion(s);
    const item = (label, value) => {
      const span = el('span', '', meta, label + ' ');
      el('b', '', span, value);
    };
    item('model', v ? v.modelId : (s.trainer.modelId || '–'));
    item('version', v ? 'v' + v.version : '–');
    item('trainer step', s.trainer.step >= 0 ? num(s.trainer.step) : '–');
    item('kafka', s.sources.bootstrapServers);

    const foot = $('foot');
    foot.textContent = '';
    const part = (text, bad) => el('span', bad ? 'err' : '', foot, text);
    part('Kafka: ' + s.sources.kafka + (s.sources.kafkaError ? ' (' + s.sources.kafkaError + ')' : ''), s.sources.kafka === 'error');
    part('Offsets: ' + s.activity.status + (s.activity.error ? ' (' + s.activity.error + ')' : ''), s.activity.status === 'error');
    part('Monitor: ' + (s.monitor.url ? s.monitor.url + ' · ' + s.monitor.status : 'not configured') +
      (s.monitor.error ? ' (' + s.monitor.error + ')' : ''), s.monitor.status === 'error');
    if (s.sources.undecodable) part('Undecodable records skipped: ' + s.sources.undecodable, true);
    part('Snapshot ' + s.revision + ' at ' + formatTime(s.serverTime, true));
  }

  function draw(s) {
    drawMeta(s);
    drawKpis(s);
    drawVersions(s);
    drawExamples(s);
    drawMonitor(s);
    drawTrainer(s);
    drawActivity(s);
    drawDeadLetters(s);
    if (s.canary) drawCanary(s);
    firstRender = false;
    document.body.dataset.revision = s.revision;
  }

  // ---- live updates -----------------------------------------------------------------------------------

  function connect() {
    fetch('api/state', { cache: 'no-store' }).then(r => r.json()).then(accept).catch(() => {});
    const events = new EventSource('api/events');
    events.addEventListener('snapshot', e => {
      setConnection('live', 'Live');
      accept(JSON.parse(e.data));
    });
    events.onopen = () => setConnection('live', 'Live');
    events.onerror = () => setConnection(events.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting',
      events.readyState === EventSource.CLOSED ? 'Disconnected' : 'Reconnecting…');
  }

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(schedule, 120);
  });
  // Relative times ("2m ago") move on even when nothing new arrives.
  setInterval(() => {
    if (snapshot) {
      snapshot.serverTime = Math.max(snapshot.serverTime, Date.now());
      schedule();
    }
  }, 5000);
  connect();
})();

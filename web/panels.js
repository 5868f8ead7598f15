// The side panel, the commune table and the legend: views of the state (see state.js), and
// the controls that call the page's actions (app.js). Every word comes from strings.js.

import { state, view, threshold, studyThreshold, hasChanges, siteById, communeRow, bands } from './state.js';
import {
  T, esc, nf0, nf1, nf3, fmtCount, fmtShare, fmtMin, fmtSigned, kindLabel, kindShort, isKnownKind,
  countsLabel, reasonLabel, secretTitle, secrecyNote, smallDiffText, fold, SECRET, networkFileText,
} from './strings.js';
import { DEMAND_CLASSES, UNREACHABLE_COLOR, GAIN_COLOR, LOSS_COLOR, withSynthetic } from './layers.js';

const $ = (id) => document.getElementById(id);
const counts = () => countsLabel(state.territory.counts);
const isSmall = (v) => v !== 0 && Math.abs(v) < state.minCount;
const secretCell = (text) => (text === SECRET ? ` title="${esc(secretTitle(state.minCount))}"` : '');

const EXPORTS = [
  { file: 'sites.geojson', label: 'Sites (GeoJSON)', kind: true, threshold: false },
  { file: 'demand.geojson', label: 'Demande et temps (GeoJSON)', kind: true, threshold: true },
  { file: 'zones.geojson', label: 'Zones blanches (GeoJSON)', kind: true, threshold: true },
  { file: 'communes.geojson', label: 'Communes (GeoJSON)', kind: true, threshold: true },
  { file: 'communes.csv', label: 'Tableau des communes (CSV)', kind: true, threshold: true },
  { file: 'roads.geojson', label: 'Routes (GeoJSON)', kind: false, threshold: false },
];

// Time bands, near to far (ColorBrewer RdYlBu, colour-blind-safe), then the unreachable.
const BAND_COLORS = ['#2c7bb6', '#abd9e9', '#ffffbf', '#fdae61', '#d7191c'];
const bandColor = (i, n) => BAND_COLORS[Math.round((i * (BAND_COLORS.length - 1)) / Math.max(1, n - 1))];
const bandLabel = (b) => (b.to === null || b.to === undefined ? `${nf1.format(b.from)} min et plus` : `${nf1.format(b.from)} à ${nf1.format(b.to)} min`);

// A stacked bar of a commune's (or the territory's) people by time band, then unreachable;
// suppressed parts are one hatched « secret » piece (the total minus the parts shown).
export function bandBar(row) {
  const list = bands();
  const parts = list.map((b, i) => ({ label: bandLabel(b), v: row[b.key], color: bandColor(i, list.length) }));
  parts.push({ label: 'injoignable', v: row.unreachable, color: UNREACHABLE_COLOR, cls: 'unreach' });
  const known = parts.filter((p) => typeof p.v === 'number');
  const sumKnown = known.reduce((a, p) => a + p.v, 0);
  const total = typeof row.total === 'number' ? row.total : null;
  const hidden = parts.length - known.length;
  const denom = total !== null && total > 0 ? Math.max(total, sumKnown) : sumKnown;
  if (!list.length || !(denom > 0)) return '<span class="bands-bar empty">—</span>';
  const segs = [];
  const words = [];
  for (const p of parts) {
    if (typeof p.v === 'number') {
      words.push(`${p.label} : ${nf0.format(p.v)}`);
      if (p.v > 0) segs.push(`<i class="${p.cls || 'band'}" style="width:${((100 * p.v) / denom).toFixed(2)}%;background:${p.color}"></i>`);
    } else {
      words.push(`${p.label} : ${SECRET}`);
    }
  }
  if (hidden && total !== null && total > sumKnown) {
    segs.push(`<i class="secret" style="width:${((100 * (total - sumKnown)) / denom).toFixed(2)}%"></i>`);
  }
  const label = `${counts()} par temps de trajet : ${words.join(' ; ')}`;
  return `<span class="bands-bar" role="img" aria-label="${esc(label)}" title="${esc(label)}">${segs.join('')}</span>`;
}

function bandsLegend() {
  const list = bands();
  const items = list.map((b, i) => `<span><i style="background:${bandColor(i, list.length)}"></i>${esc(bandLabel(b))}</span>`);
  items.push(`<span><i style="background:${UNREACHABLE_COLOR}"></i>injoignable</span>`);
  items.push(`<span><i class="secret"></i>${SECRET}</span>`);
  return items.join('');
}

// Inline symbols of the legend, drawn as the map draws them.
function symbolSvg(status, color) {
  if (status === 'unreachable') {
    return `<svg class="sym" viewBox="0 0 14 14" aria-hidden="true"><path d="M3 3L11 11M11 3L3 11" stroke="#fff" stroke-width="4"/><path d="M3 3L11 11M11 3L3 11" stroke="${color}" stroke-width="2.2"/></svg>`;
  }
  const shape = status === 'beyond' ? '<rect x="2" y="2" width="10" height="10"' : '<circle cx="7" cy="7" r="5.5"';
  return `<svg class="sym" viewBox="0 0 14 14" aria-hidden="true">${shape} fill="${color}" stroke="#333" stroke-width="0.8"/></svg>`;
}

export function initPanels(actions) {
  // ---- controls
  let sliderTimer = null;
  $('threshold').addEventListener('input', () => {
    const t = Number($('threshold').value);
    $('threshold-value').textContent = nf1.format(t);
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(() => actions.setThreshold(t), 120);
  });
  $('kind').addEventListener('change', () => actions.setKind($('kind').value));
  $('place-centre').addEventListener('click', () => actions.addCandidateAtCentre());
  $('clear-scenario').addEventListener('click', () => actions.clearScenario());
  $('changes').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-list]');
    if (b) actions.removeChange(b.dataset.list, Number(b.dataset.index));
  });
  $('legend-toggle').addEventListener('click', () => actions.toggleLegend());

  // ---- search
  const input = $('search');
  const list = $('search-list');
  let matches = [];
  let active = -1;
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const choose = (i) => {
    const m = matches[i];
    if (!m) return;
    close();
    input.value = m.nom;
    actions.openCommune(m.code_insee, { zoom: true, focus: true });
  };
  const show = () => {
    const q = fold(input.value);
    $('search-status').textContent = '';
    if (!q || !state.coverage) {
      close();
      return;
    }
    const rows = state.coverage.communes.filter((r) => r.code_insee && r.nom);
    const scored = [];
    for (const r of rows) {
      const name = fold(r.nom);
      let score = -1;
      if (r.code_insee.toLowerCase().startsWith(q)) score = 0;
      else if (name === q) score = 0;
      else if (name.startsWith(q)) score = 1;
      else if (name.split(' ').some((w) => w.startsWith(q))) score = 2;
      else if (name.includes(q)) score = 3;
      if (score >= 0) scored.push({ r, score });
    }
    scored.sort((a, b) => a.score - b.score || (b.r.total || 0) - (a.r.total || 0) || a.r.nom.localeCompare(b.r.nom, 'fr'));
    matches = scored.slice(0, 8).map((x) => x.r);
    active = matches.length ? 0 : -1;
    list.innerHTML = matches.map((r, i) => `<li role="option" id="search-opt-${i}" data-i="${i}" aria-selected="${i === active}">${esc(r.nom)} <span class="hint">${esc(r.code_insee)}</span></li>`).join('');
    list.hidden = !matches.length;
    input.setAttribute('aria-expanded', String(matches.length > 0));
    if (active >= 0) input.setAttribute('aria-activedescendant', `search-opt-${active}`);
    $('search-status').textContent = matches.length ? T.searchCount(scored.length) : T.searchNone;
  };
  const move = (d) => {
    if (!matches.length) return;
    active = (active + d + matches.length) % matches.length;
    for (const li of list.children) li.setAttribute('aria-selected', String(Number(li.dataset.i) === active));
    input.setAttribute('aria-activedescendant', `search-opt-${active}`);
  };
  input.addEventListener('input', show);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); if (list.hidden) show(); else move(1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); move(-1); }
    else if (e.key === 'Enter') { e.preventDefault(); if (list.hidden) show(); choose(Math.max(0, active)); }
    else if (e.key === 'Escape') close();
  });
  list.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the box
  list.addEventListener('click', (e) => {
    const li = e.target.closest('li[data-i]');
    if (li) choose(Number(li.dataset.i));
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  // ---- commune table: click or Enter on a row opens the commune
  $('communes').tHead.addEventListener('click', (e) => {
    const th = e.target.closest('th[data-key]');
    if (th) actions.sortBy(th.dataset.key);
  });
  const openRow = (tr) => tr && tr.dataset.code && actions.openCommune(tr.dataset.code, { zoom: true, focus: false });
  $('communes').tBodies[0].addEventListener('click', (e) => openRow(e.target.closest('tr')));
  $('communes').tBodies[0].addEventListener('keydown', (e) => {
    if (!e.target.matches('tr')) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      openRow(e.target);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = e.key === 'ArrowDown' ? e.target.nextElementSibling : e.target.previousElementSibling;
      if (next) {
        e.preventDefault();
        next.focus();
      }
    }
  });
  $('commune-box').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.action === 'close') actions.openCommune(null);
    if (b.dataset.action === 'candidate') actions.addCandidateAtCommune(state.selected);
    if (b.dataset.action === 'zoom') actions.openCommune(state.selected, { zoom: true });
  });

  // ---- best sites, saved scenarios, exports
  $('best').addEventListener('click', () => actions.recommend(Math.max(1, Math.min(10, Number($('best-k').value) || 1)), $('best-objective').value));
  $('best-add').addEventListener('click', () => actions.addPicks());
  $('token').addEventListener('change', () => actions.setToken($('token').value.trim()));
  $('save-scenario').addEventListener('click', () => actions.saveScenario($('scenario-name').value.trim()));
  $('save-form').addEventListener('submit', (e) => {
    e.preventDefault();
    actions.saveScenario($('scenario-name').value.trim());
  });
  $('saved-list').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    const li = e.target.closest('li[data-name]');
    if (!b || !li) return;
    if (b.dataset.delete !== undefined) actions.deleteSaved(li.dataset.name);
    else if (b.dataset.open !== undefined) actions.openSaved(li.dataset.name);
  });
  $('exports').addEventListener('click', (e) => {
    if (e.target.closest('#export-scenario')) actions.exportScenario();
  });

  registerViews();
}

function registerViews() {
  view(['territory'], (s) => {
    const t = s.territory;
    document.title = `zoneblanche — ${t.name || 'zones blanches'}`;
    $('study-name').textContent = t.name || '';
    $('synthetic-banner').hidden = !t.synthetic;
    document.body.classList.toggle('synthetic', !!t.synthetic);
    $('kind').innerHTML = t.kinds.map((k) => `<option value="${esc(k.kind)}">${esc(kindLabel(k.kind))} (${esc(nf0.format(k.sites))} site${k.sites > 1 ? 's' : ''})</option>`).join('');
    renderAbout(t);
    $('secrecy-note').textContent = secrecyNote(s.minCount);
  });

  view(['kind', 'thresholds'], (s) => {
    $('kind').value = s.kind;
    const t = threshold();
    const el = $('threshold');
    el.max = String(Math.max(90, Math.ceil(t * 2)));
    el.value = String(t);
    $('threshold-value').textContent = nf1.format(t);
    const st = studyThreshold(s.kind);
    $('threshold-hint').textContent = t === st ? T.studyThreshold(st) : T.otherThreshold(st, t);
  });

  view(['error'], (s) => {
    $('error-banner').textContent = s.error || '';
    $('error-banner').hidden = !s.error;
  });

  view(['notice'], (s) => {
    $('notice').textContent = s.notice;
  });

  view(['coverage'], renderSummary);

  view(['scenario', 'sites'], (s) => {
    const items = [];
    s.scenario.add.forEach((a, i) => items.push(
      `<li><i class="zb-site zb-candidate legend-icon"><span>+</span></i>${esc(a.name || a.id)} — ${esc(kindLabel(a.kind))} <span class="hint">(lat. ${esc(nf3.format(a.lat))} ; long. ${esc(nf3.format(a.lon))})</span> <button type="button" data-list="add" data-index="${i}" aria-label="Retirer ${esc(a.name || a.id)}" title="Retirer">✕</button></li>`));
    const nameOf = (id) => {
      const f = siteById(id);
      return f ? withSynthetic(f.properties.name || id, f.properties.synthetic) : id;
    };
    s.scenario.close.forEach((c, i) => items.push(
      `<li>Fermeture : ${esc(nameOf(c.id))} <button type="button" data-list="close" data-index="${i}" aria-label="Annuler la fermeture de ${esc(nameOf(c.id))}" title="Annuler">✕</button></li>`));
    s.scenario.move.forEach((m, i) => items.push(
      `<li>Déplacement : ${esc(nameOf(m.id))} <button type="button" data-list="move" data-index="${i}" aria-label="Annuler le déplacement" title="Annuler">✕</button></li>`));
    $('changes').innerHTML = items.length ? items.join('') : `<li class="hint">${esc(T.noChange)}</li>`;
    $('clear-scenario').disabled = !hasChanges();
  });

  view(['scenarioError'], (s) => {
    const box = $('scenario-error');
    box.hidden = !s.scenarioError;
    box.innerHTML = s.scenarioError ? `<p>${esc(s.scenarioError.text)}</p>` : '';
    if (s.scenarioError) box.title = s.scenarioError.detail || '';
  });

  view(['whatif'], renderDiff);
  view(['coverage', 'whatif', 'sort', 'selected'], renderTable);
  view(['selected', 'coverage', 'whatif'], renderCommune);
  view(['kind', 'thresholds', 'whatif', 'picks', 'sites', 'coverage', 'legendOpen', 'territory'], renderLegend);
  view(['picks'], renderPicks);
  view(['saved', 'savedStatus', 'needToken'], renderSaved);
  view(['kind', 'thresholds', 'whatif'], renderExports);

  // Last: the diff is on screen with the map and the table; the page's clock stops here.
  view(['whatif'], (s) => {
    const d = $('diff');
    if (!s.whatif) {
      delete d.dataset.ms;
      return;
    }
    const ms = performance.now() - s.whatif.started;
    d.dataset.ms = String(Math.round(ms));
    const p = $('diff-time');
    if (p) p.textContent = T.diffTime(ms);
  });
}

function renderAbout(t) {
  const lines = [];
  lines.push(`<p>${esc(t.name || T.noName)}${t.synthetic ? ' — <strong>synthétique</strong>' : ''}</p>`);
  lines.push(`<p>Réseau routier : ${esc(nf1.format(t.network.km))} km, ${esc(nf0.format(t.network.junctions))} carrefours, profil « ${esc(t.network.profile)} ». Demande : ${esc(nf0.format(t.demand_units))} unités dans ${esc(nf0.format(t.communes))} communes ; population comptée : ${esc(t.population_secret ? SECRET : fmtCount(t.population, false))} ${esc(countsLabel(t.counts))}.</p>`);
  const net = ((t.provenance && t.provenance.inputs) || []).find((i) => i.role === 'network');
  if (net) lines.push(`<p>${esc(networkFileText(net.path))}${t.synthetic ? ' Une partie des données de cette étude est inventée : le fichier d\'étude dit lesquelles (routes générées pour la démonstration, sites synthétiques…).' : ''}</p>`);
  lines.push(`<p>Secret statistique : les effectifs entre 1 et ${esc(nf0.format(state.minCount - 1))} ne sont jamais affichés, ni ceux qui permettraient de les recalculer (affichés « ${SECRET} »).</p>`);
  const w = Array.isArray(t.warnings) ? t.warnings : [];
  if (w.length) lines.push(`<p>Avertissements :</p><ul>${w.map((x) => `<li>${esc(x.message || JSON.stringify(x))}</li>`).join('')}</ul>`);
  const p = t.provenance || {};
  if (p.software) lines.push(`<p>Calculé par ${esc(p.software)}${p.generated_at ? `, ${esc(new Date(p.generated_at).toLocaleString('fr-FR'))}` : ''}.</p>`);
  $('about').innerHTML = lines.join('');
}

function renderSummary(s) {
  const c = s.coverage;
  if (!c) return;
  const sm = c.summary;
  const sec = !!sm.secret;
  const snap = s.territory.max_snap_m;
  const items = [
    ['Seuil', `${nf1.format(c.threshold_min)} min en voiture`],
    [`Total (${counts()})`, fmtCount(sm.total_weight, sec), 'total'],
    ['Dans le seuil', fmtCount(sm.within_weight, sec), 'within'],
    ['Part dans le seuil', fmtShare(sm.within_share, sec), 'share'],
    ['Au-delà du seuil', fmtCount(sm.beyond_weight, sec), 'beyond'],
    ['Atteints en voiture, dont par bac', fmtCount(sm.weight_via_ferry, sec), 'via_ferry'],
    ['Injoignables par la route', fmtCount(sm.unreachable_weight, sec), 'unreachable'],
    [`dont ${reasonLabel('off_network', snap)}`, fmtCount(sm.unreachable_off_network, sec), 'off_network'],
    [`dont ${reasonLabel('no_road_link', snap)}`, fmtCount(sm.unreachable_no_road_link, sec), 'no_road_link'],
    ['Temps médian', fmtMin(sm.median_min)],
    ['9e décile du temps', fmtMin(sm.p90_min)],
    ['Zones blanches', nf0.format(sm.zones || 0), 'zones'],
    ['Sites', `${nf0.format(sm.sites)} (dont ${nf0.format(sm.sites_on_network)} sur le réseau)`],
  ];
  if (sm.mean_waiting_days !== null && sm.mean_waiting_days !== undefined) {
    items.push(["Délai d'attente moyen", `${nf0.format(sm.mean_waiting_days)} jours`]);
  }
  const dl = $('summary');
  dl.innerHTML = items.map(([k, v, id]) => `<div${id ? ` data-key="${id}"` : ''}><dt>${esc(k)}</dt><dd${secretCell(v)}>${esc(v)}</dd></div>`).join('');
  const bandsRow = { ...Object.fromEntries(bands().map((b, i) => [b.key, sm.bands[i] ? sm.bands[i].weight : null])), unreachable: sm.unreachable_weight, total: sm.total_weight };
  dl.insertAdjacentHTML('beforeend', `<div class="wide" data-key="bands"><dt>Par temps de trajet</dt><dd>${bandBar(bandsRow)}</dd></div>`);
  dl.dataset.threshold = String(c.threshold_min);
  dl.dataset.kind = c.kind;
  $('table-bands').innerHTML = bandsLegend();
}

// ---- the diff
function renderDiff(s) {
  const box = $('diff');
  if (!s.whatif) {
    box.hidden = true;
    box.innerHTML = '';
    return;
  }
  const { b, threshold: t } = s.whatif;
  const k = b.diff.kinds[s.kind];
  box.hidden = false;
  if (!k) {
    box.innerHTML = `<p>Ce scénario ne touche pas « ${esc(kindLabel(s.kind))} ».</p><p class="hint" id="diff-time"></p>`;
    return;
  }
  const sm = s.coverage.summary;
  const o = k.overall;
  // Before: the coverage at the page's threshold (what the panel above shows).
  const before = { within: sm.within_weight, share: sm.within_share, median: sm.median_min, p90: sm.p90_min, zones: sm.zones, secret: !!sm.secret };
  const after = { within: o.within_after, share: o.within_share_after, median: o.median_min_after, p90: o.p90_min_after, zones: k.zones_after, secret: !!o.secret };
  let gain = null;
  let gainText;
  if (typeof before.within === 'number' && typeof after.within === 'number') {
    gain = after.within - before.within;
    gainText = isSmall(gain) ? smallDiffText(s.minCount) : fmtSigned(gain, (v) => nf0.format(v));
  } else {
    gainText = SECRET;
  }
  const changes = s.whatif.changes;
  const nIn = changes.filter((c) => c.after === 'within').length;
  const nOut = changes.filter((c) => c.before === 'within').length;
  const row = (label, bv, av, dv, cls) => `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${esc(label)}</th><td${secretCell(bv)}>${esc(bv)}</td><td${secretCell(av)}>${esc(av)}</td><td>${esc(dv)}</td></tr>`;
  const known = (x) => x !== null && x !== undefined;
  const dMin = (x, y) => (known(x) && known(y) ? fmtSigned(Math.round((y - x) * 10) / 10, (v) => `${nf1.format(v)} min`) : '—');
  const dShare = (x, y) => (known(x) && known(y) ? fmtSigned(Math.round((y - x) * 1000) / 10, (v) => `${nf1.format(v)} pt`) : '—');
  const added = s.scenario.add.filter((x) => x.kind === s.kind).length;
  const closed = s.scenario.close.filter((c) => {
    const f = siteById(c.id);
    return f && f.properties.kind === s.kind;
  }).length;
  box.innerHTML = `
    <h3>Effet du scénario</h3>
    <p class="hint">${esc(kindLabel(s.kind))}, seuil ${esc(nf1.format(t))} min : ${esc(nf0.format(added))} site(s) ajouté(s), ${esc(nf0.format(closed))} fermé(s).</p>
    <table class="diff-table">
      <thead><tr><th></th><th scope="col">Avant</th><th scope="col">Après</th><th scope="col">Écart</th></tr></thead>
      <tbody>
        ${row(`Dans le seuil (${counts()})`, fmtCount(before.within, before.secret), fmtCount(after.within, after.secret), gainText, 'gain')}
        ${row('Part dans le seuil', fmtShare(before.share, before.secret), fmtShare(after.share, after.secret), dShare(before.share, after.share))}
        ${row('Temps médian', fmtMin(before.median), fmtMin(after.median), dMin(before.median, after.median))}
        ${row('9e décile du temps', fmtMin(before.p90), fmtMin(after.p90), dMin(before.p90, after.p90))}
        ${row('Zones blanches', nf0.format(before.zones || 0), nf0.format(after.zones || 0), fmtSigned((after.zones || 0) - (before.zones || 0), (v) => nf0.format(v)))}
      </tbody>
    </table>
    <p>${esc(nf0.format(nIn))} unité(s) de demande passe(nt) dans le seuil (cercle plein sur la carte), ${esc(nf0.format(nOut))} en sort(ent) (cercle en tirets).</p>
    <p class="hint" id="diff-time"></p>`;
  box.dataset.gain = gain === null ? '' : String(gain);
  box.dataset.unitsIn = String(nIn);
}

// ---- the commune table
function tableColumns(s) {
  const snap = s.territory.max_snap_m;
  const cols = [
    { key: 'code_insee', label: 'Code INSEE', type: 'text' },
    { key: 'nom', label: 'Commune', type: 'text' },
    { key: 'bands', label: 'Par temps de trajet', type: 'bands', title: 'personnes par bande de temps de trajet (légende au-dessus du tableau)' },
    { key: 'total', label: `Total (${counts()})`, type: 'count', secret: (r) => r.total_secret },
    { key: 'within', label: 'Dans le seuil', type: 'count' },
    { key: 'beyond', label: 'Au-delà', type: 'count' },
    { key: 'unreachable', label: 'Injoignables', type: 'count' },
    { key: 'unreachable_off_network', label: 'dont hors réseau routier', title: reasonLabel('off_network', snap), type: 'count' },
    { key: 'unreachable_no_road_link', label: 'dont sans liaison routière', title: reasonLabel('no_road_link', snap), type: 'count' },
    { key: 'weight_via_ferry', label: 'dont par bac', title: 'atteints en voiture avec une traversée en bac', type: 'count' },
    { key: 'within_share', label: 'Part dans le seuil', type: 'share' },
    { key: 'median_min', label: 'Temps médian', type: 'min' },
    { key: 'p90_min', label: '9e décile', type: 'min' },
  ];
  if (s.whatif) {
    cols.push({ key: 'share_after', label: 'Part après scénario', type: 'share', after: true });
    cols.push({ key: 'median_after', label: 'Médian après', type: 'min', after: true });
  }
  return cols;
}

function afterRows(s) {
  const k = s.whatif && s.whatif.b.diff.kinds[s.kind];
  return new Map(((k && k.communes) || []).map((d) => [d.key, d]));
}

function tableRows(s) {
  const rows = s.coverage.communes.map((r) => ({ ...r }));
  if (s.whatif) {
    const byKey = afterRows(s);
    for (const r of rows) {
      const d = byKey.get(r.code_insee);
      r.share_after = d ? d.within_share_after : r.within_share;
      r.median_after = d ? d.median_min_after : r.median_min;
      r.secret_after = d ? !!d.secret : !!r.secret;
    }
  }
  return rows;
}

function cellText(col, r) {
  const v = r[col.key];
  const secret = col.secret ? col.secret(r) : (col.after ? r.secret_after : r.secret);
  switch (col.type) {
    case 'count': return fmtCount(v, secret);
    case 'share': return fmtShare(v, secret);
    case 'min': return fmtMin(v);
    default: return v === null || v === undefined ? '—' : String(v);
  }
}

function renderTable(s) {
  if (!s.coverage) return;
  const cols = tableColumns(s);
  const { key, dir } = s.sort;
  const rows = tableRows(s);
  const col = cols.find((c) => c.key === key && c.type !== 'bands') || cols[0];
  rows.sort((a, b) => {
    const x = a[col.key];
    const y = b[col.key];
    const xn = x === null || x === undefined;
    const yn = y === null || y === undefined;
    if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1; // no value last, either way
    if (col.type === 'text') return dir * String(x).localeCompare(String(y), 'fr');
    return dir * (x - y);
  });
  $('communes').tHead.innerHTML = `<tr>${cols.map((c) => {
    const sorted = c.key === col.key;
    const aria = sorted ? (dir > 0 ? 'ascending' : 'descending') : 'none';
    const arrow = sorted ? (dir > 0 ? ' ▲' : ' ▼') : '';
    const title = c.title ? ` title="${esc(c.title)}"` : '';
    const cls = c.type === 'text' ? '' : c.type === 'bands' ? 'bands' : 'num';
    if (c.type === 'bands') return `<th scope="col" class="${cls}"${title}>${esc(c.label)}</th>`;
    return `<th scope="col" data-key="${c.key}" aria-sort="${aria}" class="${cls}"${title}><button type="button">${esc(c.label)}${arrow}</button></th>`;
  }).join('')}</tr>`;
  // A re-render (a what-if answer arriving) keeps the keyboard on the row it was on.
  const tbody = $('communes').tBodies[0];
  const focused = tbody.contains(document.activeElement) ? document.activeElement.closest('tr')?.dataset.code : null;
  tbody.innerHTML = rows.map((r) => {
    const sel = r.code_insee && r.code_insee === s.selected;
    return `<tr data-code="${esc(r.code_insee || '')}"${r.code_insee ? ` tabindex="0" aria-label="${esc(`${r.nom || r.code_insee} : ouvrir la commune`)}"` : ''}${sel ? ' class="selected" aria-current="true"' : ''}>${cols.map((c) => {
      if (c.type === 'bands') return `<td class="bands">${bandBar(r)}</td>`;
      const t = cellText(c, r);
      const cls = [c.type === 'text' ? '' : 'num', t === SECRET ? 'secret' : ''].join(' ').trim();
      return `<td${cls ? ` class="${cls}"` : ''}${secretCell(t)}>${esc(t)}</td>`;
    }).join('')}</tr>`;
  }).join('');
  if (focused) tbody.querySelector(`tr[data-code="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
}

// ---- the commune opened
function renderCommune(s) {
  const box = $('commune-box');
  const r = s.selected && communeRow(s.selected);
  box.hidden = !r;
  if (!r) {
    box.innerHTML = '';
    return;
  }
  const sec = !!r.secret;
  const items = [
    [`Total (${counts()})`, fmtCount(r.total, r.total_secret)],
    ['Dans le seuil', fmtCount(r.within, sec)],
    ['Au-delà du seuil', fmtCount(r.beyond, sec)],
    ['Injoignables', fmtCount(r.unreachable, sec)],
    ['Part dans le seuil', fmtShare(r.within_share, sec)],
    ['Temps médian', fmtMin(r.median_min)],
  ];
  const d = s.whatif && afterRows(s).get(r.code_insee);
  if (s.whatif) items.push(['Part après scénario', fmtShare(d ? d.within_share_after : r.within_share, d ? !!d.secret : sec)]);
  box.innerHTML = `
    <h2 id="h-commune" tabindex="-1">${esc(r.nom || r.code_insee)} <span class="hint">${esc(r.code_insee)}</span></h2>
    <dl class="numbers">${items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd${secretCell(v)}>${esc(v)}</dd></div>`).join('')}
      <div class="wide"><dt>Par temps de trajet (${esc(kindLabel(s.kind))})</dt><dd>${bandBar(r)}</dd></div></dl>
    <div class="bands-legend">${bandsLegend()}</div>
    <div class="row">
      <button type="button" data-action="candidate">Placer un site candidat dans cette commune</button>
      <button type="button" data-action="zoom">Zoomer</button>
      <button type="button" data-action="close">Fermer</button>
    </div>`;
}

// ---- legend
function renderLegend(s) {
  if (!s.territory || !s.kind) return;
  const t = threshold();
  const rows = [];
  rows.push(`<h3>Temps de trajet en voiture</h3><p class="legend-sub">${esc(kindLabel(s.kind))}, seuil ${esc(nf1.format(t))} min</p>`);
  let lo = 0;
  for (const c of DEMAND_CLASSES) {
    const hi = c.upTo * t;
    const status = c.upTo <= 1 ? 'within' : 'beyond';
    const label = c.upTo === Infinity ? `plus de ${nf1.format(lo)} min` : `${nf1.format(lo)} à ${nf1.format(hi)} min`;
    rows.push(`<div>${symbolSvg(status, c.color)}${esc(label)}</div>`);
    lo = hi;
  }
  rows.push(`<div>${symbolSvg('unreachable', UNREACHABLE_COLOR)}injoignable par la route</div>`);
  rows.push('<div class="legend-note">rond : dans le seuil ; carré : au-delà ; croix : injoignable ; taille : population représentée</div>');
  rows.push('<div><i class="swatch zone"></i>zone blanche (au-delà du seuil, hachurée)</div>');
  if (s.whatif) {
    rows.push('<div><i class="swatch zone-after"></i>zone blanche après scénario</div>');
    rows.push(`<div><i class="ring" style="border-color:${GAIN_COLOR}"></i>passe dans le seuil</div>`);
    rows.push(`<div><i class="ring dashed" style="border-color:${LOSS_COLOR}"></i>sort du seuil</div>`);
  }
  for (const k of s.territory.kinds) {
    const known = isKnownKind(k.kind) ? k.kind : 'other';
    rows.push(`<div><i class="zb-site zb-site-${known} legend-icon"><span>${esc(kindShort(k.kind))}</span></i>${esc(kindLabel(k.kind))}</div>`);
  }
  if (s.sites.some((f) => f.properties.synthetic)) {
    rows.push(`<div><i class="zb-site zb-site-other zb-synthetic legend-icon"><span></span></i>${esc(T.syntheticSite)}</div>`);
  }
  rows.push('<div><i class="zb-site zb-candidate legend-icon"><span>+</span></i>site candidat (hypothèse)</div>');
  if (s.picks && s.picks.r) rows.push('<div><i class="zb-site zb-pick legend-icon"><span>1</span></i>meilleur emplacement proposé</div>');
  rows.push('<div><i class="swatch road"></i>routes de l\'étude</div>');
  rows.push('<div><i class="swatch commune"></i>limite communale</div>');
  const legend = $('legend');
  legend.innerHTML = rows.join('');
  legend.hidden = !s.legendOpen;
  const b = $('legend-toggle');
  b.setAttribute('aria-expanded', String(s.legendOpen));
  b.textContent = `${T.legend} ${s.legendOpen ? '▾' : '▸'}`;
  b.title = s.legendOpen ? T.legendHide : T.legendShow;
}

// ---- best sites
function renderPicks(s) {
  const list = $('best-list');
  const p = s.picks;
  $('best-add').hidden = !(p && p.r && p.r.picks.features.length);
  if (!p) {
    list.innerHTML = '';
    return;
  }
  if (p.pending) {
    list.innerHTML = `<li class="hint">${esc(T.computing)}</li>`;
    return;
  }
  if (p.error) {
    list.innerHTML = `<li class="error">${esc(p.error)}</li>`;
    return;
  }
  const items = p.r.picks.features.map((f) => {
    const q = f.properties;
    return `<li><strong>${esc(q.label || q.id)}</strong> : +${esc(fmtCount(q.gain_weight, q.secret))} ${esc(counts())} dans le seuil ; part cumulée ${esc(fmtShare(q.cumulative_within_share, q.secret))} ; pire trajet ${esc(fmtMin(q.worst_min_after))}</li>`;
  });
  list.innerHTML = (items.join('') || '<li class="hint">Aucun emplacement proposé.</li>') + (p.note ? `<li class="hint">${esc(p.note)}</li>` : '');
}

// ---- saved scenarios
function renderSaved(s) {
  const ul = $('saved-list');
  const v = s.saved;
  if (v && v.list) {
    ul.innerHTML = v.list.length ? v.list.map((x) => `<li data-name="${esc(x.name)}"><span class="name">${esc(x.name)}</span> <span class="hint">${esc(new Date(x.saved_at).toLocaleString('fr-FR'))}</span>
      <button type="button" data-open>Ouvrir</button> <button type="button" data-delete>Supprimer</button></li>`).join('')
      : '<li class="hint">Aucun scénario enregistré.</li>';
  } else if (v && v.error) {
    ul.innerHTML = `<li class="${v.unavailable ? 'hint' : 'error'}">${esc(v.error)}</li>`;
  }
  $('save-scenario').disabled = !!(v && v.unavailable);
  $('token-row').hidden = !s.needToken;
  const st = $('saved-status');
  st.textContent = s.savedStatus ? s.savedStatus.text : '';
  st.classList.toggle('error', !!(s.savedStatus && s.savedStatus.error));
}

// ---- exports
function renderExports(s) {
  const q = (e) => {
    const p = new URLSearchParams();
    if (e.kind) p.set('kind', s.kind);
    if (e.threshold) p.set('threshold_min', String(threshold()));
    const str = p.toString();
    return str ? `?${str}` : '';
  };
  const links = EXPORTS.map((e) => `<a class="button" href="api/export/${e.file}${q(e)}" download>${esc(e.label)}</a>`);
  links.push(`<button type="button" id="export-scenario" class="button"${s.whatif ? '' : ' disabled'}>Scénario et écarts (JSON)</button>`);
  $('exports').innerHTML = links.join('');
}

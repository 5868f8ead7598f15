// zoneblanche: the map page. ES modules, no build step; Leaflet is vendored in
// web/vendor/leaflet/. The basemap is the study's own roads and communes.
//
//   strings.js  every French word, number formats, error codes worded
//   api.js      requests to this server (`api/...`), errors with their code
//   state.js    the state and its one render path (`set` -> `render` -> views)
//   layers.js   the map and its layers
//   panels.js   side panel, commune table, legend
//   app.js      the actions (what a click or a key does to the state) and the start
//
// Secrecy: counts of people or households the API suppresses come as `null` with `secret:
// true`; they are shown as « secret », never as 0, and differences computed here that are
// small are shown as secret too.

import { api, postJson, kindQuery, whatifPath, ApiError } from './api.js';
import { state, set, touch, render, threshold, hasChanges, scenarioDoc, communeRow } from './state.js';
import { T, errorText, nf0 } from './strings.js';
import { initMap, map, fitTerritory, fitCommune, commune, setAttribution } from './layers.js';
import { initPanels } from './panels.js';

const seq = { coverage: 0, whatif: 0 };
let lastAdded = null;
let token = sessionStorage.getItem('zb-token') || '';

// ---------------------------------------------------------------------------------------
// Coverage at (kind, threshold): the numbers and the layers, then the scenario's effect there.
async function loadCoverage() {
  const n = ++seq.coverage;
  const q = kindQuery(state.kind, threshold());
  // The communes' outlines do not change with the threshold: asked for once.
  const [coverage, demand, zones, communes] = await Promise.all([
    api(`coverage?${q}`), api(`layers/demand?${q}`), api(`layers/zones?${q}`),
    state.communes ? null : api(`layers/communes?${q}`),
  ]);
  if (n !== seq.coverage) return; // a newer request is on its way
  set({ coverage, demand, zones, error: null });
  if (communes) set({ communes });
  if (hasChanges()) await runWhatif();
  else clearWhatif();
}

function coverageFailed(e) {
  console.error(e);
  set({ error: errorText('coverage', e, state.territory) });
}

// ---------------------------------------------------------------------------------------
// Scenario.
function clearWhatif() {
  seq.whatif++;
  set({ whatif: null });
}

// Units of the page's kind whose status the scenario changes, at the page's threshold.
function statusChanges(b) {
  const changed = new Map((b.changed.features || [])
    .filter((f) => f.properties.kind === state.kind)
    .map((f) => [f.properties.id, f]));
  const out = [];
  for (const f of state.demand.features) {
    const p = f.properties;
    const g = changed.get(p.id);
    const after = g ? g.properties.status_after : p.status;
    if (after !== p.status) out.push({ id: p.id, before: p.status, after, f: g });
  }
  return out;
}

async function runWhatif(started) {
  const t0 = started || performance.now();
  const n = ++seq.whatif;
  const kind = state.kind;
  const t = threshold();
  let b;
  try {
    b = await postJson(whatifPath(kind), scenarioDoc());
  } catch (e) {
    if (n !== seq.whatif) return;
    console.error(e);
    set({ scenarioError: { text: errorText('whatif', e, state.territory), detail: e.message } });
    // A candidate the API refuses (off the road network): take it back, run the rest.
    if (e instanceof ApiError && e.status === 400 && lastAdded && state.scenario.add.includes(lastAdded)) {
      state.scenario.add = state.scenario.add.filter((x) => x !== lastAdded);
      lastAdded = null;
      touch('scenario');
      if (hasChanges()) runWhatif();
      else clearWhatif();
    }
    return;
  }
  if (n !== seq.whatif || kind !== state.kind || t !== threshold()) return;
  lastAdded = null;
  set({ whatif: { kind, threshold: t, b, started: t0, changes: statusChanges(b) } });
}

function scenarioChanged(started) {
  set({ scenarioError: null });
  touch('scenario');
  if (hasChanges()) runWhatif(started);
  else clearWhatif();
}

function addCandidate(latlng, where) {
  const started = performance.now();
  // Numbered after the candidates of the scenario (a refused one leaves no gap).
  const n = 1 + state.scenario.add.reduce((m, a) => Math.max(m, Number((/^candidat-(\d+)$/.exec(a.id) || [])[1]) || 0), 0);
  const c = {
    id: `candidat-${n}`,
    kind: state.kind,
    lon: Math.round(latlng.lng * 1e6) / 1e6,
    lat: Math.round(latlng.lat * 1e6) / 1e6,
    name: T.candidate(n),
  };
  state.scenario.add.push(c);
  lastAdded = c;
  if (where) set({ notice: T.placedAt(c.name, where) });
  scenarioChanged(started);
}

// ---------------------------------------------------------------------------------------
// Saved scenarios.
const authHeaders = () => (token ? { Authorization: `Bearer ${token}` } : {});

async function loadSaved() {
  try {
    set({ saved: { list: await api('scenarios') } });
  } catch (e) {
    set({ saved: { error: errorText('list', e, state.territory), unavailable: e.code === 'no_scenario_store' } });
  }
}

function savedFailed(ctx, e) {
  if (e.code === 'unauthorized') set({ needToken: true });
  set({ savedStatus: { text: errorText(ctx, e, state.territory), error: true } });
}

function openScenario(sc, name) {
  state.scenario = {
    name: sc.name || name,
    add: (sc.add || []).map((a) => ({ ...a })),
    close: (sc.close || []).map((c) => ({ id: c.id })),
    move: (sc.move || []).map((m) => ({ ...m })),
  };
  document.getElementById('scenario-name').value = state.scenario.name;
  let thresholdChanged = false;
  for (const k of state.territory.kinds) {
    const v = sc.thresholds && sc.thresholds[`${k.kind}_min`];
    const t = typeof v === 'number' ? v : k.threshold_min;
    if (k.kind === state.kind && t !== threshold()) thresholdChanged = true;
    state.thresholds[k.kind] = t;
  }
  const firstKind = state.scenario.add.length ? state.scenario.add[0].kind : null;
  if (firstKind && firstKind !== state.kind && state.thresholds[firstKind] !== undefined) {
    state.kind = firstKind;
    thresholdChanged = true;
  }
  touch('thresholds', 'kind', 'scenario');
  set({ scenarioError: null });
  if (thresholdChanged) loadCoverage().catch(coverageFailed);
  else if (hasChanges()) runWhatif();
  else clearWhatif();
}

// ---------------------------------------------------------------------------------------
// What the controls do.
const actions = {
  addCandidate,
  addCandidateAtCentre() {
    addCandidate(map.getCenter(), T.atCentre);
  },
  addCandidateAtCommune(code) {
    const c = commune(code);
    if (c) addCandidate({ lat: c.at[0], lng: c.at[1] }, T.atCommune(c.nom));
  },
  toggleClosed(id) {
    const s = state.scenario;
    if (s.close.some((c) => c.id === id)) s.close = s.close.filter((c) => c.id !== id);
    else s.close.push({ id });
    scenarioChanged();
  },
  removeChange(list, i) {
    state.scenario[list].splice(i, 1);
    scenarioChanged();
  },
  clearScenario() {
    state.scenario = { name: '', add: [], close: [], move: [] };
    scenarioChanged();
  },
  setThreshold(t) {
    if (t === threshold()) return;
    state.thresholds[state.kind] = t;
    set({ picks: null });
    touch('thresholds');
    loadCoverage().catch(coverageFailed);
  },
  setKind(kind) {
    set({ kind, picks: null });
    loadCoverage().catch(coverageFailed);
  },
  sortBy(key) {
    set({ sort: { key, dir: state.sort.key === key ? -state.sort.dir : 1 } });
  },
  openCommune(code, opts = {}) {
    set({ selected: code && communeRow(code) ? code : null });
    if (!state.selected) return;
    if (opts.zoom) fitCommune(code);
    render();
    const tr = document.querySelector(`#communes tbody tr[data-code="${CSS.escape(code)}"]`);
    if (tr) tr.scrollIntoView({ block: 'nearest' });
    const h = document.getElementById('h-commune');
    if (opts.focus && h) h.focus();
    else document.getElementById('commune-box').scrollIntoView({ block: 'nearest' });
  },
  toggleLegend() {
    set({ legendOpen: !state.legendOpen });
  },
  async recommend(k, objective) {
    set({ picks: { pending: true } });
    // A small study may have fewer candidate places on its roads than asked.
    const n = Math.min(k, state.territory.recommend_candidates);
    if (n < 1) {
      set({ picks: { error: errorText('recommend', new ApiError(400, 'no_candidates', ''), state.territory) } });
      return;
    }
    try {
      const r = await postJson('recommend', { kind: state.kind, k: n, objective, threshold_min: threshold() });
      const note = n < k ? `Seulement ${nf0.format(n)} emplacement(s) possible(s) sur le réseau routier de l'étude.` : '';
      set({ picks: { r, note } });
    } catch (e) {
      set({ picks: { error: errorText('recommend', e, state.territory) } });
    }
  },
  addPicks() {
    if (!state.picks || !state.picks.r) return;
    for (const f of state.picks.r.picks.features) {
      const p = f.properties;
      const id = `propose-${p.id}`;
      if (state.scenario.add.some((a) => a.id === id)) continue;
      const [lon, lat] = f.geometry.coordinates;
      state.scenario.add.push({ id, kind: p.kind, lon, lat, name: `Proposé : ${p.label || p.id}` });
    }
    set({ picks: null });
    scenarioChanged();
  },
  setToken(v) {
    token = v;
    sessionStorage.setItem('zb-token', token);
  },
  async saveScenario(name) {
    if (!name) {
      set({ savedStatus: { text: 'Donnez un nom au scénario.', error: true } });
      return;
    }
    if (!hasChanges() && !scenarioDoc().thresholds) {
      set({ savedStatus: { text: 'Le scénario est vide : placez un site candidat ou fermez un site.', error: true } });
      return;
    }
    state.scenario.name = name;
    try {
      await postJson('scenarios', scenarioDoc(), authHeaders());
      set({ savedStatus: { text: `Scénario « ${name} » enregistré.` } });
      await loadSaved();
    } catch (e) {
      savedFailed('save', e);
    }
  },
  async openSaved(name) {
    try {
      const saved = await api(`scenarios/${encodeURIComponent(name)}`);
      openScenario(saved.scenario || {}, name);
      set({ savedStatus: { text: `Scénario « ${name} » ouvert.` } });
    } catch (e) {
      savedFailed('open', e);
    }
  },
  async deleteSaved(name) {
    try {
      await api(`scenarios/${encodeURIComponent(name)}`, { method: 'DELETE', headers: authHeaders() });
      set({ savedStatus: { text: `Scénario « ${name} » supprimé.` } });
      await loadSaved();
    } catch (e) {
      savedFailed('delete', e);
    }
  },
  async exportScenario() {
    if (!state.whatif) return;
    // The diff of every kind, not only the one on the map.
    const scenario = scenarioDoc();
    let diff;
    try {
      diff = (await postJson('whatif', scenario)).diff;
    } catch (e) {
      set({ error: errorText('export', e, state.territory) });
      return;
    }
    const url = URL.createObjectURL(new Blob([JSON.stringify({ scenario, diff }, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `zoneblanche_scenario_${(state.scenario.name || 'carte').replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },
};

// ---------------------------------------------------------------------------------------
// Start: the territory, then the layout and the map's view, then the numbers and layers of
// the kind shown; the page is usable once they are drawn. The roads (the largest document)
// are asked for then and drawn when they arrive.
async function start() {
  initMap(actions);
  initPanels(actions);
  const t = await api('territory');
  if (!t.kinds.length) throw Object.assign(new Error(T.noSites), { french: T.noSites });
  const thresholds = {};
  for (const k of t.kinds) thresholds[k.kind] = k.threshold_min;
  const mapBox = document.getElementById('map');
  set({
    territory: t,
    minCount: (t.secrecy && t.secrecy.min_count) || 11,
    thresholds,
    kind: t.kinds.some((k) => k.kind === 'mediation') ? 'mediation' : t.kinds[0].kind,
    // On a small map the legend starts folded, so that it covers no part of the territory.
    legendOpen: mapBox.clientHeight >= 500 && mapBox.clientWidth >= 720,
  });
  // The commune table's height is known from the number of communes: the map's box is final
  // before anything is drawn on it, and the territory is fitted once.
  document.getElementById('table-box').style.height = `min(32%, ${t.communes * 23 + 64}px)`;
  render();
  fitTerritory();
  setAttribution(t);
  const [sites] = await Promise.all([api('sites'), loadCoverage()]);
  const roads = api('layers/roads');
  set({ sites: sites.features });
  render();
  window.zb.ready = true;
  window.zb.readyAt = performance.now();
  document.body.dataset.ready = '1';
  loadSaved();
  roads.then((r) => {
    set({ roads: r });
    render();
    window.zb.roadsAt = performance.now();
  }).catch((e) => set({ error: errorText('load', e, t) }));
}

window.zb = { state, actions, fit: fitTerritory, ready: false, get map() { return map; } };
start().catch((e) => {
  console.error(e);
  set({ error: errorText('load', e, state.territory) });
  render();
  document.body.dataset.ready = 'error';
});

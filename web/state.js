// The page's state and its one render path. Handlers never draw: they change the state with
// `set({...})` (or `touch(...)` after changing a part in place), which marks those keys
// changed and schedules one `render()`; `render()` runs every view registered with `view()`
// whose keys changed, in the order they were registered (map layers, then panels). Several
// changes in one task give one render.

export const state = {
  territory: null,
  kind: null,
  thresholds: {}, // kind -> minutes chosen on the page
  minCount: 11,
  sites: [], // GeoJSON features of every site
  coverage: null, // /api/coverage of (kind, threshold)
  demand: null, // demand layer (GeoJSON) of (kind, threshold)
  zones: null,
  communes: null, // communes layer (GeoJSON) of (kind, threshold)
  roads: null, // the basemap's roads, drawn once they arrive (after the page is usable)
  scenario: { name: '', add: [], close: [], move: [] },
  whatif: null, // { kind, threshold, b, started }
  scenarioError: null, // { err, at } of the last refused what-if
  picks: null, // { r, note } | { error } | { pending: true }
  sort: { key: 'code_insee', dir: 1 },
  selected: null, // INSEE code of the commune opened
  legendOpen: true,
  error: null, // the banner's sentence
  saved: null, // { list } | { unavailable } | { error }
  savedStatus: null, // { text, error }
  needToken: false,
  notice: '', // what the last keyboard action did, for screen readers
};

const dirty = new Set();
const views = [];
let scheduled = false;

export function set(patch) {
  Object.assign(state, patch);
  touch(...Object.keys(patch));
}

export function touch(...keys) {
  for (const k of keys) dirty.add(k);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(render);
  }
}

// `fn(state, changed)` runs when one of `keys` changed.
export function view(keys, fn) {
  views.push({ keys, fn });
}

export function render() {
  scheduled = false;
  const changed = new Set(dirty);
  dirty.clear();
  for (const v of views) {
    if (v.keys.some((k) => changed.has(k))) v.fn(state, changed);
  }
}

// Derived values, read by views and actions alike.
export const threshold = () => state.thresholds[state.kind];
export function studyThreshold(kind) {
  const k = state.territory.kinds.find((x) => x.kind === kind);
  return k ? k.threshold_min : state.territory.default_threshold_min;
}
export const hasChanges = () => state.scenario.add.length + state.scenario.close.length + state.scenario.move.length > 0;
export const siteById = (id) => state.sites.find((f) => f.properties.id === id);
export function communeRow(code) {
  return state.coverage && state.coverage.communes.find((c) => c.code_insee === code);
}

// The scenario as the API reads it: sites added, closed, moved, and the thresholds the page
// shows that differ from the study's.
export function scenarioDoc() {
  const thresholds = {};
  for (const k of state.territory.kinds) {
    const t = state.thresholds[k.kind];
    if (t !== undefined && t !== k.threshold_min) thresholds[`${k.kind}_min`] = t;
  }
  const s = state.scenario;
  const doc = { name: s.name || 'carte', add: s.add, close: s.close };
  if (s.move.length) doc.move = s.move;
  if (Object.keys(thresholds).length) doc.thresholds = thresholds;
  return doc;
}

// The time bands of the coverage: `[{ key, from, to }]`, `key` the commune table's column
// (`band_0_15`, `band_60_plus`; a limit such as 22.5 written `22p5`).
export function bands() {
  const list = (state.coverage && state.coverage.summary.bands) || [];
  const n = (x) => String(x).replace('.', 'p');
  return list.map((b) => ({
    key: b.to_min === null || b.to_min === undefined ? `band_${n(b.from_min)}_plus` : `band_${n(b.from_min)}_${n(b.to_min)}`,
    from: b.from_min,
    to: b.to_min,
  }));
}

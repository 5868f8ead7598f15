// The map: Leaflet (vendored), the study's own basemap (roads, commune outlines and names) and
// the layers of the kind shown. The roads (13,000 links on the demo) and the demand points
// (2,900) are painted on canvases of their own, projected here in one pass, rather than one
// Leaflet path each: that is what makes the page usable quickly. Statuses are told apart by
// shape as well as colour (colour-blind-safe palette): within the threshold a disc, beyond it
// a square, unreachable a cross; zones blanches hatched; units leaving the threshold circled
// with a dashed ring, those entering it with a solid one.

import { state, view, threshold, communeRow } from './state.js';
import {
  T, esc, nf0, nf1, fmtCount, fmtMin, kindLabel, kindShort, isKnownKind, countsLabel, statusLabel,
  reasonLabel, secretTitle,
} from './strings.js';

// Demand colours, from the travel time relative to the threshold T (ColorBrewer RdYlBu).
export const DEMAND_CLASSES = [
  { upTo: 0.5, color: '#2c7bb6' },
  { upTo: 1.0, color: '#abd9e9' },
  { upTo: 1.5, color: '#fdae61' },
  { upTo: Infinity, color: '#d7191c' },
];
export const UNREACHABLE_COLOR = '#3d3d3d';
export const GAIN_COLOR = '#1a4f8b';
export const LOSS_COLOR = '#a50026';
const ROAD_STYLES = {
  motorway: [4, '#8d8d8d'], trunk: [3.5, '#959595'], primary: [3, '#a3a3a3'],
  secondary: [2.5, '#b0b0b0'], tertiary: [2, '#bcbcbc'],
};
const ROAD_MINOR = [1.2, '#cbcbcb'];

export let map = null;
const layers = {};
const svg = {};
let labelLayer = null;

// Web Mercator, as Leaflet's EPSG:3857 projects it, in world units (0..1).
const mx = (lon) => (lon + 180) / 360;
const my = (lat) => (1 - Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) / Math.PI) / 2;

// A canvas over the map, repainted on each move or zoom by `paint(ctx, view)`, where a world
// point (mx, my) is at (mx * view.scale - view.ox, my * view.scale - view.oy).
const CanvasLayer = L.Layer.extend({
  options: { pane: 'overlayPane', padding: 0.25, className: '' },
  initialize(paint, options) {
    this._paint = paint;
    L.setOptions(this, options);
  },
  onAdd() {
    this._canvas = L.DomUtil.create('canvas', `zb-canvas leaflet-zoom-animated ${this.options.className}`);
    this.getPane().appendChild(this._canvas);
    this._reset();
  },
  onRemove() {
    L.DomUtil.remove(this._canvas);
    this._canvas = null;
  },
  getEvents() {
    return { moveend: this._reset, viewreset: this._reset, zoomanim: this._animateZoom };
  },
  redraw() {
    if (this._map && this._canvas) this._reset();
    return this;
  },
  _animateZoom(e) {
    const scale = this._map.getZoomScale(e.zoom, this._zoom);
    const offset = this._map._latLngToNewLayerPoint(this._topLeft, e.zoom, e.center);
    L.DomUtil.setTransform(this._canvas, offset, scale);
  },
  _reset() {
    const m = this._map;
    const size = m.getSize();
    const pad = size.multiplyBy(this.options.padding).round();
    const min = m.containerPointToLayerPoint(pad.multiplyBy(-1)).round();
    const full = size.add(pad.multiplyBy(2));
    const c = this._canvas;
    L.DomUtil.setPosition(c, min);
    this._topLeft = m.layerPointToLatLng(min);
    this._zoom = m.getZoom();
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(full.x * dpr);
    c.height = Math.round(full.y * dpr);
    c.style.width = `${full.x}px`;
    c.style.height = `${full.y}px`;
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const origin = m.getPixelOrigin().add(min);
    this._view = { scale: 256 * 2 ** this._zoom, ox: origin.x, oy: origin.y, width: full.x, height: full.y, min };
    this._paint(ctx, this._view);
  },
});

// ---------------------------------------------------------------------------------------
// Roads: per style, one path of every link.
function roadsData(fc) {
  const groups = new Map();
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g || g.type !== 'LineString') continue;
    const c = (f.properties && f.properties.class) || '';
    const base = c.replace(/_link$/, '');
    const [w0, color] = ROAD_STYLES[base] || ROAD_MINOR;
    const w = c.endsWith('_link') ? Math.max(1.2, w0 - 1) : w0;
    const key = `${w}|${color}`;
    let grp = groups.get(key);
    if (!grp) {
      grp = { w, color, xy: [], starts: [], box: [] };
      groups.set(key, grp);
    }
    grp.starts.push(grp.xy.length);
    let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
    for (const [lon, lat] of g.coordinates) {
      const x = mx(lon);
      const y = my(lat);
      grp.xy.push(x, y);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    grp.box.push(x0, y0, x1, y1);
  }
  // Minor roads first, main roads on top.
  return [...groups.values()].sort((a, b) => a.w - b.w).map((g) => ({
    ...g, xy: Float64Array.from(g.xy), starts: Uint32Array.from([...g.starts, g.xy.length]), box: Float64Array.from(g.box),
  }));
}

function paintRoads(data) {
  return (ctx, v) => {
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const { scale, ox, oy, width, height } = v;
    for (const g of data) {
      ctx.beginPath();
      const n = g.starts.length - 1;
      for (let i = 0; i < n; i++) {
        if (g.box[4 * i + 2] * scale - ox < 0 || g.box[4 * i] * scale - ox > width
          || g.box[4 * i + 3] * scale - oy < 0 || g.box[4 * i + 1] * scale - oy > height) continue;
        let k = g.starts[i];
        const end = g.starts[i + 1];
        let px = g.xy[k] * scale - ox;
        let py = g.xy[k + 1] * scale - oy;
        ctx.moveTo(px, py);
        for (k += 2; k < end; k += 2) {
          const x = g.xy[k] * scale - ox;
          const y = g.xy[k + 1] * scale - oy;
          // Points closer than half a pixel to the last one drawn add nothing.
          if (k + 2 < end && Math.abs(x - px) < 0.5 && Math.abs(y - py) < 0.5) continue;
          ctx.lineTo(x, y);
          px = x;
          py = y;
        }
      }
      ctx.strokeStyle = g.color;
      ctx.lineWidth = g.w;
      ctx.stroke();
    }
  };
}

// ---------------------------------------------------------------------------------------
// Demand: one symbol per unit, its shape the status, its colour the time, its size the weight.
export function demandColor(p, t) {
  if (p.status === 'unreachable' || p.minutes === null || p.minutes === undefined) return UNREACHABLE_COLOR;
  for (const c of DEMAND_CLASSES) {
    if (p.minutes <= c.upTo * t) return c.color;
  }
  return DEMAND_CLASSES[DEMAND_CLASSES.length - 1].color;
}

// Draws one status symbol centred on (x, y) with radius r (also used by the legend).
export function drawSymbol(ctx, status, x, y, r, color) {
  ctx.beginPath();
  if (status === 'unreachable') {
    const a = r * 0.8;
    ctx.moveTo(x - a, y - a);
    ctx.lineTo(x + a, y + a);
    ctx.moveTo(x + a, y - a);
    ctx.lineTo(x - a, y + a);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 4;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2.2;
    ctx.stroke();
    return;
  }
  if (status === 'beyond') {
    const a = r * 0.9;
    ctx.rect(x - a, y - a, 2 * a, 2 * a);
  } else {
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.88;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.strokeStyle = '#333333';
  ctx.lineWidth = 0.7;
  ctx.stroke();
}

function demandData(fc, t) {
  let maxW = 0;
  for (const f of fc.features) if (f.properties.weight) maxW = Math.max(maxW, f.properties.weight);
  const units = [];
  for (const f of fc.features) {
    if (!f.geometry) continue;
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    units.push({
      p, lat, lon, x: mx(lon), y: my(lat),
      r: p.weight && maxW > 0 ? 3 + 9 * Math.sqrt(p.weight / maxW) : 3.5,
      color: demandColor(p, t),
    });
  }
  // Large symbols first, so that small ones stay visible on top.
  units.sort((a, b) => b.r - a.r);
  return units;
}

function paintDemand(units) {
  return (ctx, v) => {
    for (const u of units) {
      const x = u.x * v.scale - v.ox;
      const y = u.y * v.scale - v.oy;
      if (x < -20 || y < -20 || x > v.width + 20 || y > v.height + 20) continue;
      drawSymbol(ctx, u.p.status, x, y, u.r, u.color);
    }
  };
}

// The unit under the pointer (container point), the smallest first.
function unitAt(units, pt) {
  const z = 256 * 2 ** map.getZoom();
  const o = map.getPixelBounds().min;
  let best = null;
  for (const u of units) {
    const dx = u.x * z - o.x - pt.x;
    const dy = u.y * z - o.y - pt.y;
    const r = Math.max(u.r, 4);
    if (dx * dx + dy * dy <= r * r && (!best || u.r <= best.r)) best = u;
  }
  return best;
}

function siteName(id) {
  const f = id && state.sites.find((s) => s.properties.id === id);
  if (f) return withSynthetic(f.properties.name || id, f.properties.synthetic);
  const c = state.scenario.add.find((a) => a.id === id);
  return c ? `${c.name || id} ${T.candidateTag}` : id;
}

export function withSynthetic(name, synthetic) {
  return synthetic && !/synth[ée]tique/i.test(name) ? `${name} (synthétique)` : name;
}

export function communeName(code) {
  const row = communeRow(code);
  return row && row.nom ? `${row.nom} (${code})` : code || T.noCommune;
}

function demandTooltip(p) {
  const counts = countsLabel(state.territory.counts);
  const lines = [
    `<strong>${esc(communeName(p.commune))}</strong>`,
    `${esc(fmtCount(p.weight, p.secret))} ${esc(counts)}`,
  ];
  if (p.minutes !== null && p.minutes !== undefined) {
    lines.push(`${esc(fmtMin(p.minutes))} en voiture vers ${esc(siteName(p.site))}${p.via_ferry ? ', traversée en bac comprise' : ''}`);
  }
  lines.push(esc(statusLabel(p.status)));
  if (p.reason) lines.push(esc(reasonLabel(p.reason, state.territory.max_snap_m)));
  return lines.join('<br>');
}

// ---------------------------------------------------------------------------------------
// Communes: outlines (SVG), the one opened, and names where they fit.

// A point inside the commune's largest polygon: the middle of the widest run of a horizontal
// line through its box's middle.
function labelPoint(geometry) {
  if (!geometry) return null;
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  let ring = null;
  let best = -1;
  for (const poly of polys) {
    const r = poly[0];
    let a = 0;
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
    if (Math.abs(a) > best) {
      best = Math.abs(a);
      ring = poly;
    }
  }
  if (!ring) return null;
  let s = Infinity; let n = -Infinity;
  for (const [, lat] of ring[0]) {
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  const y = (s + n) / 2;
  const xs = [];
  for (const r of ring) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const [x1, y1] = r[i];
      const [x2, y2] = r[j];
      if ((y1 > y) !== (y2 > y)) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  xs.sort((a, b) => a - b);
  let lon = null;
  let wide = -1;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (xs[i + 1] - xs[i] > wide) {
      wide = xs[i + 1] - xs[i];
      lon = (xs[i] + xs[i + 1]) / 2;
    }
  }
  return lon === null ? null : [y, lon];
}

// Names as DOM labels in their own pane, placed greedily (the most populated commune first):
// a label is shown when its commune is at least about as wide as the name on screen, at its
// middle or just below or above it, where it overlaps no site marker and no label already
// placed.
const LabelLayer = L.Layer.extend({
  options: { pane: 'labels' },
  initialize(items) {
    this._items = items; // { code, nom, at: [lat, lon], bounds, weight }
  },
  onAdd() {
    this._box = L.DomUtil.create('div', 'zb-labels', this.getPane());
    for (const it of this._items) {
      it.el = L.DomUtil.create('span', 'zb-label', this._box);
      it.el.textContent = it.nom;
      it.el.dataset.code = it.code;
    }
    // One layout to measure every name.
    for (const it of this._items) {
      it.w = it.el.offsetWidth;
      it.h = it.el.offsetHeight;
    }
    this._place();
  },
  onRemove() {
    L.DomUtil.remove(this._box);
  },
  getEvents() {
    return { zoomend: this._place, moveend: this._place, zoomstart: this._hide };
  },
  _hide() {
    this._box.style.visibility = 'hidden';
  },
  _place() {
    const m = this._map;
    const size = m.getSize();
    const placed = [];
    const markers = [];
    for (const g of [layers.sites, layers.candidates, layers.picks]) {
      if (!m.hasLayer(g)) continue;
      g.eachLayer((mk) => {
        const c = m.latLngToContainerPoint(mk.getLatLng());
        markers.push({ x0: c.x - 14, y0: c.y - 14, x1: c.x + 14, y1: c.y + 14 });
      });
    }
    const hits = (r, list) => list.some((q) => r.x0 < q.x1 && q.x0 < r.x1 && r.y0 < q.y1 && q.y0 < r.y1);
    for (const it of this._items) {
      const p = m.latLngToContainerPoint(it.at);
      const sw = m.latLngToContainerPoint(it.bounds.getSouthWest());
      const ne = m.latLngToContainerPoint(it.bounds.getNorthEast());
      const wide = Math.max(ne.x - sw.x, sw.y - ne.y);
      let at = null;
      if (wide >= it.w * 0.8) {
        for (const dy of [0, it.h + 6, -(it.h + 6)]) {
          const r = { x0: p.x - it.w / 2 - 2, y0: p.y + dy - it.h / 2 - 1, x1: p.x + it.w / 2 + 2, y1: p.y + dy + it.h / 2 + 1 };
          if (r.x0 >= 0 && r.y0 >= 0 && r.x1 <= size.x && r.y1 <= size.y && !hits(r, markers) && !hits(r, placed)) {
            at = r;
            break;
          }
        }
      }
      it.el.hidden = !at;
      if (at) {
        placed.push(at);
        L.DomUtil.setPosition(it.el, m.containerPointToLayerPoint([at.x0 + 2, at.y0 + 1]));
      }
    }
    this._box.style.visibility = '';
  },
});

// ---------------------------------------------------------------------------------------
// Markers.
function siteIcon(kind, extraClass, text) {
  const known = isKnownKind(kind) ? kind : 'other';
  return L.divIcon({
    className: `zb-site zb-site-${known} ${extraClass || ''}`,
    html: `<span>${esc(text || kindShort(kind))}</span>`,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
    popupAnchor: [0, -12],
    tooltipAnchor: [12, 0],
  });
}

function sitePopup(f, isClosed, actions) {
  const p = f.properties;
  const div = document.createElement('div');
  div.className = 'popup';
  const rows = [
    `<strong>${esc(p.name || p.id)}</strong>`,
    `${esc(kindLabel(p.kind))}${p.synthetic ? ` — <em class="synthetic-tag">${esc(T.syntheticSite)}</em>` : ''}`,
    `identifiant : ${esc(p.id)}`,
  ];
  if (p.waiting_days !== null && p.waiting_days !== undefined) rows.push(`délai d'attente : ${esc(nf0.format(p.waiting_days))} jours`);
  if (p.opening !== null && p.opening !== undefined) rows.push(`ouverture : ${esc(nf1.format(p.opening))} h/semaine`);
  if (p.on_network === false) rows.push('<em>hors du réseau routier (non pris en compte)</em>');
  else if (p.snap_m !== null && p.snap_m !== undefined) rows.push(`à ${esc(nf0.format(p.snap_m))} m de la route la plus proche`);
  div.innerHTML = rows.join('<br>');
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = isClosed ? 'Rouvrir ce site' : 'Fermer ce site (scénario)';
  b.addEventListener('click', () => {
    map.closePopup();
    actions.toggleClosed(p.id);
  });
  div.appendChild(document.createElement('br'));
  div.appendChild(b);
  return div;
}

function zoneTooltip(p, after) {
  const counts = countsLabel(state.territory.counts);
  const lines = [`<strong>Zone blanche${after ? ' après scénario' : ''}</strong> — ${esc(kindLabel(p.kind))}`,
    `${esc(fmtCount(p.weight, p.secret))} ${esc(counts)} au-delà de ${esc(nf1.format(p.threshold_min))} min`];
  if (p.unreachable_weight) lines.push(`dont ${esc(fmtCount(p.unreachable_weight, p.secret))} injoignables`);
  if (p.mean_min !== null && p.mean_min !== undefined) lines.push(`temps moyen ${esc(fmtMin(p.mean_min))}, maximum ${esc(fmtMin(p.max_min))}`);
  if (p.communes && p.communes.length) lines.push(`communes : ${esc(p.communes.map(communeName).join(', '))}`);
  if (p.secret) lines.push(`<em>${esc(secretTitle(state.minCount))}</em>`);
  return lines.join('<br>');
}

// ---------------------------------------------------------------------------------------
// The map and its views.
export function initMap(actions) {
  map = L.map('map', { zoomSnap: 0.25, minZoom: 3, maxZoom: 19, boxZoom: true, keyboard: true });
  map.attributionControl.setPrefix(
    '<a href="assets/vendor/README.md" title="Leaflet, licence BSD-2-Clause">Leaflet</a>');
  // The map's box changes with the commune table and the window: keep Leaflet told.
  if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize()).observe(document.getElementById('map'));
  L.control.scale({ imperial: false, position: 'bottomleft', maxWidth: 160 }).addTo(map);
  for (const [name, z] of [['communes', 350], ['roads', 360], ['zones', 400], ['zonesAfter', 405],
    ['demand', 420], ['changed', 430], ['selected', 435], ['labels', 440]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  map.getPane('labels').style.pointerEvents = 'none';
  map.getPane('selected').style.pointerEvents = 'none';
  for (const name of ['communes', 'zones', 'zonesAfter', 'changed', 'selected']) svg[name] = L.svg({ pane: name });
  for (const name of ['communes', 'roads', 'zones', 'zonesAfter', 'demand', 'changed', 'labels', 'sites', 'picks', 'candidates', 'selected']) {
    layers[name] = L.layerGroup().addTo(map);
  }
  L.control.layers(null, {
    'Communes': layers.communes,
    'Noms des communes': layers.labels,
    'Routes': layers.roads,
    'Zones blanches': layers.zones,
    'Zones blanches après scénario': layers.zonesAfter,
    'Demande (temps de trajet)': layers.demand,
    'Changements du scénario': layers.changed,
    'Sites': layers.sites,
    'Meilleurs emplacements': layers.picks,
    'Sites candidats': layers.candidates,
  }, { collapsed: true, position: 'topright' }).addTo(map);

  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend-box';
    div.innerHTML = `<button type="button" id="legend-toggle" class="legend-toggle" aria-expanded="true" aria-controls="legend">${esc(T.legend)}</button><div id="legend"></div>`;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);

  // A click places a candidate; so does Enter when the map has the focus (at its centre,
  // marked by a cross while focused: arrows pan, + and - zoom).
  map.on('click', (e) => actions.addCandidate(e.latlng, null));
  map.getContainer().addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === map.getContainer()) {
      e.preventDefault();
      actions.addCandidate(map.getCenter(), T.atCentre);
    }
  });

  // A popup opened from the keyboard (Enter on a focused marker) takes the focus on its button
  // (close a site, remove a candidate); Escape closes it and gives the focus back.
  map.on('popupopen', (e) => {
    const from = document.activeElement;
    const el = e.popup.getElement();
    const b = el && el.querySelector('button');
    if (!b || !from || !from.classList.contains('leaflet-marker-icon')) return;
    b.focus();
    el.addEventListener('keydown', (k) => {
      if (k.key !== 'Escape') return;
      map.closePopup();
      if (from.isConnected) from.focus();
    });
  });

  let tip = null;
  map.on('mousemove', (e) => {
    const units = layers.demand.zbUnits;
    const u = units && map.hasLayer(layers.demand) ? unitAt(units, e.containerPoint) : null;
    if (!u) {
      if (tip) map.closeTooltip(tip);
      tip = null;
      map.getContainer().classList.remove('zb-over-unit');
      return;
    }
    map.getContainer().classList.add('zb-over-unit');
    if (tip && tip.zbUnit === u) return;
    if (tip) map.closeTooltip(tip);
    tip = L.tooltip({ direction: 'top', offset: [0, -u.r], className: 'zb-unit-tip' }).setLatLng([u.lat, u.lon]).setContent(demandTooltip(u.p));
    tip.zbUnit = u;
    map.openTooltip(tip);
  });
  map.on('mouseout', () => {
    if (tip) map.closeTooltip(tip);
    tip = null;
  });

  registerViews(actions);
}

// Fits the territory in the visible part of the map (not under the legend, the controls).
export function fitTerritory() {
  const t = state.territory;
  map.invalidateSize();
  const size = map.getSize();
  const legend = document.getElementById('legend-box');
  // Beside the open legend, or above the folded one; never more than 40 % of the map.
  const lw = legend && state.legendOpen ? legend.offsetWidth + 16 : 16;
  const lh = legend && !state.legendOpen ? legend.offsetHeight + 30 : 34;
  const opts = {
    paddingTopLeft: [50, 14],
    paddingBottomRight: [Math.min(lw, size.x * 0.4), Math.min(lh, size.y * 0.4)],
    animate: false,
  };
  if (t.extent && t.extent.length === 4) {
    const [w, s, e, n] = t.extent;
    map.fitBounds([[s, w], [n, e]], opts);
  } else {
    map.setView([46.5, 2.5], 6);
  }
}

export function fitCommune(code) {
  const l = communeLayers.get(code);
  if (l && l.getBounds().isValid()) map.fitBounds(l.getBounds(), { padding: [30, 30], maxZoom: 14 });
}

export function commune(code) {
  const it = communeItems.get(code);
  return it || null;
}

const communeLayers = new Map();
const communeItems = new Map(); // code -> { code, nom, at, bounds, weight }

function registerViews(actions) {
  // Commune outlines and names: the geometry does not change with the threshold, so they are
  // built once, from the first communes layer.
  view(['communes'], (s) => {
    if (!s.communes || communeLayers.size) return;
    L.geoJSON(s.communes, {
      renderer: svg.communes,
      interactive: false,
      style: () => ({ className: 'zb-commune', color: '#4d4d4d', weight: 1.3, dashArray: '6 3', fillColor: '#ffffff', fillOpacity: 0.55 }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        if (!p.code_insee) return;
        communeLayers.set(p.code_insee, l);
        const at = labelPoint(f.geometry);
        if (at && p.nom) communeItems.set(p.code_insee, { code: p.code_insee, nom: p.nom, at, bounds: l.getBounds(), weight: p.total || 0 });
      },
    }).addTo(layers.communes);
    const items = [...communeItems.values()].sort((a, b) => b.weight - a.weight);
    labelLayer = new LabelLayer(items);
    layers.labels.addLayer(labelLayer);
  });

  view(['selected', 'communes'], (s) => {
    layers.selected.clearLayers();
    const l = s.selected && communeLayers.get(s.selected);
    if (l) {
      L.geoJSON(l.feature, {
        renderer: svg.selected, interactive: false,
        style: () => ({ className: 'zb-commune-selected', color: '#1f3a5f', weight: 3.5, fill: false }),
      }).addTo(layers.selected);
    }
  });

  view(['roads'], (s) => {
    layers.roads.clearLayers();
    if (!s.roads) return;
    layers.roads.addLayer(new CanvasLayer(paintRoads(roadsData(s.roads)), { pane: 'roads', className: 'zb-roads' }));
    document.body.dataset.roads = '1';
  });

  view(['demand'], (s) => {
    layers.demand.clearLayers();
    layers.demand.zbUnits = null;
    if (!s.demand) return;
    const units = demandData(s.demand, threshold());
    layers.demand.zbUnits = units;
    layers.demand.addLayer(new CanvasLayer(paintDemand(units), { pane: 'demand', className: 'zb-demand' }));
  });

  view(['zones', 'whatif', 'kind'], (s, changed) => {
    if (changed.has('zones') || changed.has('kind')) {
      layers.zones.clearLayers();
      if (s.zones) drawZones(s.zones, layers.zones, false);
    }
    layers.zones.eachLayer((g) => g.setStyle && g.setStyle({ fillOpacity: s.whatif ? 0.35 : 1 }));
    document.getElementById('map').classList.toggle('zb-has-whatif', !!s.whatif);
  });

  view(['sites', 'scenario', 'kind'], (s) => {
    layers.sites.clearLayers();
    const closed = new Set(s.scenario.close.map((c) => c.id));
    const moved = new Map(s.scenario.move.map((m) => [m.id, m]));
    for (const f of s.sites) {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      const isClosed = closed.has(p.id);
      const cls = [p.synthetic ? 'zb-synthetic' : '', isClosed ? 'zb-closed' : '', p.kind === s.kind ? 'zb-current' : 'zb-other-kind'].join(' ');
      const at = moved.get(p.id);
      L.marker(at ? [at.lat, at.lon] : [lat, lon], {
        icon: siteIcon(p.kind, cls),
        title: withSynthetic(p.name || p.id, p.synthetic),
        alt: withSynthetic(p.name || p.id, p.synthetic),
        keyboard: true,
        zIndexOffset: p.kind === s.kind ? 1000 : 0,
      }).bindPopup(() => sitePopup(f, isClosed, actions)).addTo(layers.sites);
    }
    layers.candidates.clearLayers();
    s.scenario.add.forEach((a, i) => {
      const m = L.marker([a.lat, a.lon], {
        icon: siteIcon(a.kind, `zb-candidate ${a.kind === s.kind ? 'zb-current' : 'zb-other-kind'}`, '+'),
        title: `${a.name || a.id} (site candidat)`,
        keyboard: true,
        zIndexOffset: 2000,
      });
      m.bindPopup(() => {
        const div = document.createElement('div');
        div.className = 'popup';
        div.innerHTML = `<strong>${esc(a.name || a.id)}</strong><br>site candidat (hypothèse) — ${esc(kindLabel(a.kind))}<br>`;
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Retirer ce candidat';
        b.addEventListener('click', () => {
          map.closePopup();
          actions.removeChange('add', i);
        });
        div.appendChild(b);
        return div;
      });
      m.addTo(layers.candidates);
    });
    // Names move out of the way of the markers.
    if (labelLayer && labelLayer._map) labelLayer._place();
  });

  view(['picks'], (s) => {
    layers.picks.clearLayers();
    if (!s.picks || !s.picks.r) return;
    const counts = countsLabel(s.territory.counts);
    for (const f of s.picks.r.picks.features) {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], {
        icon: siteIcon(p.kind, 'zb-pick', String(p.rank)),
        title: `Emplacement proposé n° ${p.rank} : ${p.label || p.id}`,
        keyboard: true,
        zIndexOffset: 1500,
      }).bindPopup(`<strong>n° ${esc(p.rank)} — ${esc(p.label || p.id)}</strong><br>mairie proposée pour ${esc(kindLabel(p.kind))}<br>+${esc(fmtCount(p.gain_weight, p.secret))} ${esc(counts)} dans le seuil`)
        .addTo(layers.picks);
    }
  });

  view(['whatif'], (s) => {
    layers.zonesAfter.clearLayers();
    layers.changed.clearLayers();
    if (!s.whatif) return;
    drawZones(s.whatif.b.zones_after, layers.zonesAfter, true);
    for (const c of s.whatif.changes) {
      const f = c.f;
      if (!f || !f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const gain = c.after === 'within';
      L.circleMarker([lat, lon], {
        renderer: svg.changed,
        radius: 11,
        className: gain ? 'zb-changed zb-gain' : 'zb-changed zb-loss',
        color: gain ? GAIN_COLOR : LOSS_COLOR,
        weight: 3,
        dashArray: gain ? null : '4 3',
        fill: false,
        interactive: false,
      }).addTo(layers.changed);
    }
  });
}

function drawZones(fc, group, after) {
  L.geoJSON(fc, {
    renderer: after ? svg.zonesAfter : svg.zones,
    filter: (f) => !f.properties.kind || f.properties.kind === state.kind,
    style: () => (after
      ? { className: 'zb-zone-after', color: '#67001f', weight: 2, dashArray: '5 4', fillColor: '#d6604d', fillOpacity: 0.12 }
      : { className: 'zb-zone', color: '#b2182b', weight: 1.5, fillColor: '#d6604d', fillOpacity: state.whatif ? 0.35 : 1 }),
    onEachFeature: (f, l) => l.bindTooltip(() => zoneTooltip(f.properties, after), { sticky: true }),
  }).addTo(group);
}

// The attribution of what the map draws, by what the territory says of the study.
export function setAttribution(t) {
  map.attributionControl.addAttribution(t.synthetic ? T.roadsSynthetic : T.roadsOsm);
}

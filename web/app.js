// zoneblanche: the map page. Plain JavaScript, no build step; Leaflet is vendored in
// web/vendor/leaflet/. Every request goes to the server that served this page, with relative
// URLs (`api/...`): no CDN, no tile server. The basemap is the study's own roads and communes.
//
// Secrecy: counts of people or households strictly between 0 and the study's minimum (default
// 11) come from the API as `null` with `secret: true`; they are shown as "< 11 (secret
// statistique)", never as 0, and differences computed here obey the same rule.
'use strict';

(function () {
  // ---------------------------------------------------------------------------------------
  // Words
  const KIND_LABELS = {
    mediation: 'Médiation familiale',
    espace_rencontre: 'Espace de rencontre',
  };
  const KIND_SHORT = { mediation: 'M', espace_rencontre: 'ER' };
  const COUNT_LABELS = {
    people: 'personnes',
    persons: 'personnes',
    households: 'ménages',
    single_parent_families: 'familles monoparentales',
    children: 'enfants',
  };
  const STATUS_LABELS = {
    within: 'dans le seuil',
    beyond: 'au-delà du seuil',
    unreachable: 'injoignable par la route',
  };
  // Why a unit reaches no site (`reason` in the API), with the study's snapping limit.
  const reasonLabel = (r) => ({
    off_network: `hors réseau routier (à plus de ${nf0.format(snapLimit())} m d'une route)`,
    no_road_link: 'sans liaison routière vers un service (île sans bac, réseau isolé)',
  })[r] || r;
  const snapLimit = () => (S.territory && S.territory.max_snap_m) || 1000;
  const FERRY_LABEL = 'dont par bac';
  const EXPORTS = [
    { file: 'sites.geojson', label: 'Sites (GeoJSON)', kind: true, threshold: false },
    { file: 'demand.geojson', label: 'Demande et temps (GeoJSON)', kind: true, threshold: true },
    { file: 'zones.geojson', label: 'Zones blanches (GeoJSON)', kind: true, threshold: true },
    { file: 'communes.geojson', label: 'Communes (GeoJSON)', kind: true, threshold: true },
    { file: 'communes.csv', label: 'Tableau des communes (CSV)', kind: true, threshold: true },
    { file: 'roads.geojson', label: 'Routes (GeoJSON)', kind: false, threshold: false },
  ];
  // Demand colours, from the travel time relative to the threshold T.
  const DEMAND_CLASSES = [
    { upTo: 0.5, color: '#1a9850' },
    { upTo: 1.0, color: '#a6d96a' },
    { upTo: 1.5, color: '#fdae61' },
    { upTo: Infinity, color: '#d73027' },
  ];
  const UNREACHABLE_COLOR = '#5e3c99';
  const ROAD_STYLES = {
    motorway: [4, '#8d8d8d'], trunk: [3.5, '#959595'], primary: [3, '#a3a3a3'],
    secondary: [2.5, '#b0b0b0'], tertiary: [2, '#bcbcbc'],
  };

  const kindLabel = (k) => KIND_LABELS[k] || k;
  const kindShort = (k) => KIND_SHORT[k] || (k || '?').slice(0, 2).toUpperCase();
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------
  // State
  const S = {
    territory: null,
    kind: null,
    thresholds: {}, // kind -> minutes chosen on the page
    minCount: 11,
    countsLabel: 'personnes',
    sites: null, // GeoJSON features of every site
    siteById: new Map(),
    coverage: null, // /api/coverage of (kind, threshold)
    demandById: new Map(), // unit id -> properties at the page's threshold
    communeBounds: new Map(), // code -> L.LatLngBounds
    scenario: { name: '', add: [], close: [], move: [] },
    candidateSeq: 0,
    whatif: null, // { kind, threshold, b, ms }
    picks: null,
    sort: { key: 'code_insee', dir: 1 },
    seq: { coverage: 0, whatif: 0 },
    busy: 0,
    token: sessionStorage.getItem('zb-token') || '',
  };

  const studyThreshold = (kind) => {
    const k = S.territory.kinds.find((x) => x.kind === kind);
    return k ? k.threshold_min : S.territory.default_threshold_min;
  };
  const threshold = () => S.thresholds[S.kind];

  // ---------------------------------------------------------------------------------------
  // Formatting (French)
  const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
  const nf3 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 3 });
  const secretText = () => `< ${nf0.format(S.minCount)} (secret statistique)`;
  // A count: `null` with a secret flag is the secrecy rule, `null` otherwise is "no value".
  function fmtCount(v, secret) {
    if (v === null || v === undefined) return secret ? secretText() : '—';
    return nf0.format(v);
  }
  function fmtShare(v, secret) {
    if (v === null || v === undefined) return secret ? 'secret statistique' : '—';
    return `${nf1.format(v * 100)} %`;
  }
  function fmtMin(v) {
    return v === null || v === undefined ? '—' : `${nf1.format(v)} min`;
  }
  function fmtSigned(v, fmt) {
    if (v === 0) return '0';
    return (v > 0 ? '+' : '−') + fmt(Math.abs(v));
  }
  function esc(s) {
    return String(s ?? '').replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
  }
  const isSmall = (v) => v !== 0 && Math.abs(v) < S.minCount;

  // ---------------------------------------------------------------------------------------
  // HTTP
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }
  function setBusy(delta) {
    S.busy += delta;
    document.body.dataset.busy = String(S.busy);
    document.body.classList.toggle('busy', S.busy > 0);
  }
  async function api(path, options) {
    setBusy(1);
    try {
      const res = await fetch(`api/${path}`, options);
      const text = await res.text();
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch (_) {
        body = null;
      }
      if (!res.ok) {
        throw new ApiError(res.status, (body && body.error) || text || res.statusText);
      }
      return body;
    } finally {
      setBusy(-1);
    }
  }
  function postJson(path, value, extraHeaders) {
    return api(path, {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/json' }, extraHeaders || {}),
      body: JSON.stringify(value),
    });
  }
  function showError(message) {
    const b = $('error-banner');
    b.textContent = message;
    b.hidden = !message;
  }

  // ---------------------------------------------------------------------------------------
  // Map
  const map = L.map('map', { zoomSnap: 0.25, minZoom: 3, maxZoom: 19, boxZoom: true });
  map.attributionControl.setPrefix(
    '<a href="assets/vendor/README.md" title="Leaflet, licence BSD-2-Clause">Leaflet</a>');
  map.attributionControl.addAttribution('Routes © contributeurs OpenStreetMap (ODbL)');
  // The map's box changes with the commune table and the window: keep Leaflet told.
  if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize()).observe($('map'));
  L.control.scale({ imperial: false, position: 'bottomleft', maxWidth: 160 }).addTo(map);
  for (const [name, z] of [['communes', 350], ['roads', 360], ['zones', 400], ['zonesAfter', 405],
    ['demand', 420], ['changed', 430]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  const renderers = {
    communes: L.svg({ pane: 'communes' }),
    roads: L.canvas({ pane: 'roads', padding: 0.5 }),
    zones: L.svg({ pane: 'zones' }),
    zonesAfter: L.svg({ pane: 'zonesAfter' }),
    demand: L.canvas({ pane: 'demand', padding: 0.5 }),
    changed: L.svg({ pane: 'changed' }),
  };
  const layers = {
    communes: L.layerGroup().addTo(map),
    roads: L.layerGroup().addTo(map),
    zones: L.layerGroup().addTo(map),
    zonesAfter: L.layerGroup().addTo(map),
    demand: L.layerGroup().addTo(map),
    changed: L.layerGroup().addTo(map),
    sites: L.layerGroup().addTo(map),
    picks: L.layerGroup().addTo(map),
    candidates: L.layerGroup().addTo(map),
  };
  L.control.layers(null, {
    'Communes': layers.communes,
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
    div.id = 'legend';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);

  function demandColor(p, t) {
    if (p.status === 'unreachable' || p.minutes === null || p.minutes === undefined) {
      return UNREACHABLE_COLOR;
    }
    for (const c of DEMAND_CLASSES) {
      if (p.minutes <= c.upTo * t) return c.color;
    }
    return DEMAND_CLASSES[DEMAND_CLASSES.length - 1].color;
  }

  function siteIcon(kind, extraClass, text) {
    const known = KIND_LABELS[kind] ? kind : 'other';
    return L.divIcon({
      className: `zb-site zb-site-${known} ${extraClass || ''}`,
      html: `<span>${esc(text || kindShort(kind))}</span>`,
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      popupAnchor: [0, -12],
      tooltipAnchor: [12, 0],
    });
  }

  function renderLegend() {
    const t = threshold();
    const rows = [];
    rows.push(`<h3>Temps de trajet en voiture</h3><p class="legend-sub">${esc(kindLabel(S.kind))}, seuil ${esc(nf1.format(t))} min</p>`);
    let lo = 0;
    for (const c of DEMAND_CLASSES) {
      const hi = c.upTo * t;
      const label = c.upTo === Infinity ? `plus de ${nf1.format(lo)} min` : `${nf1.format(lo)} à ${nf1.format(hi)} min`;
      rows.push(`<div><i class="dot" style="background:${c.color}"></i>${esc(label)}</div>`);
      lo = hi;
    }
    rows.push(`<div><i class="dot" style="background:${UNREACHABLE_COLOR}"></i>injoignable par la route</div>`);
    rows.push('<div class="legend-note">taille du point : population représentée</div>');
    rows.push('<div><i class="swatch zone"></i>zone blanche (au-delà du seuil)</div>');
    if (S.whatif) rows.push('<div><i class="swatch zone-after"></i>zone blanche après scénario</div>');
    if (S.whatif) {
      rows.push('<div><i class="ring gain"></i>passe dans le seuil</div>');
      rows.push('<div><i class="ring loss"></i>sort du seuil</div>');
    }
    for (const k of S.territory.kinds) {
      const known = KIND_LABELS[k.kind] ? k.kind : 'other';
      rows.push(`<div><i class="zb-site zb-site-${known} legend-icon"><span>${esc(kindShort(k.kind))}</span></i>${esc(kindLabel(k.kind))}</div>`);
    }
    if (S.sites && S.sites.some((f) => f.properties.synthetic)) {
      rows.push('<div><i class="zb-site zb-site-other zb-synthetic legend-icon"><span></span></i>site synthétique (inventé)</div>');
    }
    rows.push('<div><i class="zb-site zb-candidate legend-icon"><span>+</span></i>site candidat (hypothèse)</div>');
    if (S.picks) rows.push('<div><i class="zb-site zb-pick legend-icon"><span>1</span></i>meilleur emplacement proposé</div>');
    rows.push('<div><i class="swatch road"></i>routes de l\'étude</div>');
    rows.push('<div><i class="swatch commune"></i>limite communale</div>');
    $('legend').innerHTML = rows.join('');
  }

  // ---------------------------------------------------------------------------------------
  // Layers
  function drawRoads(fc) {
    layers.roads.clearLayers();
    L.geoJSON(fc, {
      renderer: renderers.roads,
      interactive: false,
      style: (f) => {
        const c = f.properties.class || '';
        const base = c.replace(/_link$/, '');
        const [w, color] = ROAD_STYLES[base] || [1.2, '#cbcbcb'];
        return { color, weight: c.endsWith('_link') ? Math.max(1.2, w - 1) : w, opacity: 1, lineCap: 'round' };
      },
    }).addTo(layers.roads);
  }

  function drawSites() {
    layers.sites.clearLayers();
    const closed = new Set(S.scenario.close.map((c) => c.id));
    const moved = new Map(S.scenario.move.map((m) => [m.id, m]));
    for (const f of S.sites) {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      const isClosed = closed.has(p.id);
      const cls = [
        p.synthetic ? 'zb-synthetic' : '',
        isClosed ? 'zb-closed' : '',
        p.kind === S.kind ? 'zb-current' : 'zb-other-kind',
      ].join(' ');
      const at = moved.get(p.id);
      const m = L.marker(at ? [at.lat, at.lon] : [lat, lon], {
        icon: siteIcon(p.kind, cls),
        title: withSynthetic(p.name || p.id, p.synthetic),
        keyboard: true,
        zIndexOffset: p.kind === S.kind ? 1000 : 0,
      });
      m.bindPopup(() => sitePopup(f, isClosed));
      m.addTo(layers.sites);
    }
  }

  function sitePopup(f, isClosed) {
    const p = f.properties;
    const div = document.createElement('div');
    div.className = 'popup';
    const rows = [
      `<strong>${esc(p.name || p.id)}</strong>`,
      `${esc(kindLabel(p.kind))}${p.synthetic ? ' — <em class="synthetic-tag">site synthétique (inventé)</em>' : ''}`,
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
      if (isClosed) S.scenario.close = S.scenario.close.filter((c) => c.id !== p.id);
      else S.scenario.close.push({ id: p.id });
      scenarioChanged();
    });
    div.appendChild(document.createElement('br'));
    div.appendChild(b);
    return div;
  }

  function drawDemand(fc) {
    layers.demand.clearLayers();
    S.demandById = new Map();
    const t = threshold();
    let maxW = 0;
    for (const f of fc.features) {
      if (f.properties.weight) maxW = Math.max(maxW, f.properties.weight);
    }
    for (const f of fc.features) {
      const p = f.properties;
      S.demandById.set(p.id, p);
      if (!f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const r = p.weight && maxW > 0 ? 3 + 11 * Math.sqrt(p.weight / maxW) : 3.5;
      L.circleMarker([lat, lon], {
        renderer: renderers.demand,
        radius: r,
        color: '#333',
        weight: 0.6,
        fillColor: demandColor(p, t),
        fillOpacity: 0.85,
        bubblingMouseEvents: true,
      }).bindTooltip(() => demandTooltip(p), { sticky: true })
        .addTo(layers.demand);
    }
  }

  // A synthetic site's name, marked as such once.
  function withSynthetic(name, synthetic) {
    return synthetic && !/synth[ée]tique/i.test(name) ? `${name} (synthétique)` : name;
  }

  function siteName(id) {
    const f = id && S.siteById.get(id);
    if (f) return withSynthetic(f.properties.name || id, f.properties.synthetic);
    const c = S.scenario.add.find((a) => a.id === id);
    return c ? `${c.name || id} (candidat)` : id;
  }

  function demandTooltip(p) {
    const lines = [
      `<strong>${esc(communeName(p.commune))}</strong>`,
      `${esc(fmtCount(p.weight, p.secret))} ${esc(S.countsLabel)}`,
    ];
    if (p.minutes !== null && p.minutes !== undefined) {
      lines.push(`${esc(fmtMin(p.minutes))} en voiture vers ${esc(siteName(p.site))}${p.via_ferry ? ', traversée en bac comprise' : ''}`);
    }
    lines.push(esc(STATUS_LABELS[p.status] || p.status));
    if (p.reason) lines.push(esc(reasonLabel(p.reason)));
    return lines.join('<br>');
  }

  function communeName(code) {
    const row = S.coverage && S.coverage.communes.find((c) => c.code_insee === code);
    return row && row.nom ? `${row.nom} (${code})` : code || 'hors commune';
  }

  function zoneTooltip(p, after) {
    const lines = [`<strong>Zone blanche${after ? ' après scénario' : ''}</strong> — ${esc(kindLabel(p.kind))}`,
      `${esc(fmtCount(p.weight, p.secret))} ${esc(S.countsLabel)} au-delà de ${esc(nf1.format(p.threshold_min))} min`];
    if (p.unreachable_weight) lines.push(`dont ${esc(fmtCount(p.unreachable_weight, p.secret))} injoignables`);
    if (p.mean_min !== null && p.mean_min !== undefined) lines.push(`temps moyen ${esc(fmtMin(p.mean_min))}, maximum ${esc(fmtMin(p.max_min))}`);
    if (p.communes && p.communes.length) lines.push(`communes : ${esc(p.communes.map(communeName).join(', '))}`);
    return lines.join('<br>');
  }

  function drawZones(fc, group, after) {
    group.clearLayers();
    L.geoJSON(fc, {
      renderer: after ? renderers.zonesAfter : renderers.zones,
      filter: (f) => !f.properties.kind || f.properties.kind === S.kind,
      style: () => (after
        ? { className: 'zb-zone-after', color: '#b10026', weight: 2, dashArray: '5 4', fillColor: '#e31a1c', fillOpacity: 0.12 }
        : { className: 'zb-zone', color: '#e31a1c', weight: 1.5, fillColor: '#e31a1c', fillOpacity: S.whatif ? 0.12 : 0.3 }),
      onEachFeature: (f, l) => l.bindTooltip(zoneTooltip(f.properties, after), { sticky: true }),
    }).addTo(group);
  }

  function drawCommunes(fc) {
    layers.communes.clearLayers();
    S.communeBounds = new Map();
    const labels = fc.features.length <= 40;
    L.geoJSON(fc, {
      renderer: renderers.communes,
      interactive: false,
      style: () => ({ className: 'zb-commune', color: '#4d4d4d', weight: 1.4, dashArray: '6 3', fillColor: '#ffffff', fillOpacity: 0.55 }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        if (p.code_insee && l.getBounds) S.communeBounds.set(p.code_insee, l.getBounds());
        if (labels && p.nom) {
          l.bindTooltip(p.nom, { permanent: true, direction: 'center', className: 'commune-label', interactive: false });
        }
      },
    }).addTo(layers.communes);
  }

  // ---------------------------------------------------------------------------------------
  // Numbers
  function renderSummary() {
    const c = S.coverage;
    const s = c.summary;
    const sec = !!s.secret;
    const items = [
      ['Seuil', `${nf1.format(c.threshold_min)} min en voiture`],
      [`Total (${S.countsLabel})`, fmtCount(s.total_weight, sec)],
      ['Dans le seuil', fmtCount(s.within_weight, sec), 'within'],
      ['Part dans le seuil', fmtShare(s.within_share, sec), 'share'],
      ['Au-delà du seuil', fmtCount(s.beyond_weight, sec), 'beyond'],
      [`Atteints en voiture, ${FERRY_LABEL}`, fmtCount(s.weight_via_ferry, sec), 'via_ferry'],
      ['Injoignables par la route', fmtCount(s.unreachable_weight, sec), 'unreachable'],
      [`dont ${reasonLabel('off_network')}`, fmtCount(s.unreachable_off_network, sec), 'off_network'],
      [`dont ${reasonLabel('no_road_link')}`, fmtCount(s.unreachable_no_road_link, sec), 'no_road_link'],
      ['Temps médian', fmtMin(s.median_min)],
      ['9e décile du temps', fmtMin(s.p90_min)],
      ['Zones blanches', nf0.format(s.zones || 0), 'zones'],
      ['Sites', `${nf0.format(s.sites)} (dont ${nf0.format(s.sites_on_network)} sur le réseau)`],
    ];
    if (s.mean_waiting_days !== null && s.mean_waiting_days !== undefined) {
      items.push(["Délai d'attente moyen", `${nf0.format(s.mean_waiting_days)} jours`]);
    }
    const dl = $('summary');
    dl.innerHTML = items.map(([k, v, id]) => `<div${id ? ` data-key="${id}"` : ''}><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('');
    dl.dataset.threshold = String(c.threshold_min);
    dl.dataset.kind = c.kind;
    const st = studyThreshold(S.kind);
    $('threshold-hint').textContent = threshold() === st
      ? `Seuil de l'étude pour ce service : ${nf1.format(st)} min.`
      : `Seuil de l'étude : ${nf1.format(st)} min ; vous regardez ${nf1.format(threshold())} min.`;
  }

  // ---------------------------------------------------------------------------------------
  // Commune table
  function tableColumns() {
    const cols = [
      { key: 'code_insee', label: 'Code INSEE', type: 'text' },
      { key: 'nom', label: 'Commune', type: 'text' },
      { key: 'total', label: `Total (${S.countsLabel})`, type: 'count', secret: (r) => r.total_secret },
      { key: 'within', label: 'Dans le seuil', type: 'count' },
      { key: 'beyond', label: 'Au-delà', type: 'count' },
      { key: 'unreachable', label: 'Injoignables', type: 'count' },
      { key: 'unreachable_off_network', label: 'dont hors réseau routier', title: reasonLabel('off_network'), type: 'count' },
      { key: 'unreachable_no_road_link', label: 'dont sans liaison routière', title: reasonLabel('no_road_link'), type: 'count' },
      { key: 'weight_via_ferry', label: FERRY_LABEL, title: 'atteints en voiture avec une traversée en bac', type: 'count' },
      { key: 'within_share', label: 'Part dans le seuil', type: 'share' },
      { key: 'median_min', label: 'Temps médian', type: 'min' },
      { key: 'p90_min', label: '9e décile', type: 'min' },
    ];
    if (S.whatif) {
      cols.push({ key: 'share_after', label: 'Part après scénario', type: 'share', after: true });
      cols.push({ key: 'median_after', label: 'Médian après', type: 'min', after: true });
    }
    return cols;
  }

  function tableRows() {
    const rows = S.coverage.communes.map((r) => Object.assign({}, r));
    if (S.whatif) {
      const k = S.whatif.b.diff.kinds[S.kind];
      const byKey = new Map(((k && k.communes) || []).map((d) => [d.key, d]));
      for (const r of rows) {
        const d = byKey.get(r.code_insee);
        r.share_after = d ? d.within_share_after : null;
        r.median_after = d ? d.median_min_after : null;
        r.secret_after = d ? !!d.secret : false;
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

  function renderTable() {
    const cols = tableColumns();
    const { key, dir } = S.sort;
    const rows = tableRows();
    const col = cols.find((c) => c.key === key) || cols[0];
    rows.sort((a, b) => {
      const x = a[col.key];
      const y = b[col.key];
      const xn = x === null || x === undefined;
      const yn = y === null || y === undefined;
      if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1; // no value last, either way
      if (col.type === 'text') return dir * String(x).localeCompare(String(y), 'fr');
      return dir * (x - y);
    });
    const thead = $('communes').tHead;
    thead.innerHTML = `<tr>${cols.map((c) => {
      const sorted = c.key === col.key;
      const aria = sorted ? (dir > 0 ? 'ascending' : 'descending') : 'none';
      const arrow = sorted ? (dir > 0 ? ' ▲' : ' ▼') : '';
      const title = c.title ? ` title="${esc(c.title)}"` : '';
      return `<th scope="col" data-key="${c.key}" aria-sort="${aria}" class="${c.type === 'text' ? '' : 'num'}"${title}><button type="button">${esc(c.label)}${arrow}</button></th>`;
    }).join('')}</tr>`;
    const tbody = $('communes').tBodies[0];
    tbody.innerHTML = rows.map((r) => `<tr data-code="${esc(r.code_insee || '')}">${cols.map((c) => {
      const t = cellText(c, r);
      const cls = [c.type === 'text' ? '' : 'num', t.includes('secret') ? 'secret' : ''].join(' ').trim();
      return `<td${cls ? ` class="${cls}"` : ''}>${esc(t)}</td>`;
    }).join('')}</tr>`).join('');
  }

  $('communes').tHead.addEventListener('click', (e) => {
    const th = e.target.closest('th');
    if (!th) return;
    const key = th.dataset.key;
    S.sort = { key, dir: S.sort.key === key ? -S.sort.dir : 1 };
    renderTable();
  });
  $('communes').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (!tr) return;
    const b = S.communeBounds.get(tr.dataset.code);
    if (b && b.isValid()) map.fitBounds(b, { padding: [20, 20] });
    for (const x of tr.parentNode.children) x.classList.toggle('selected', x === tr);
  });

  // ---------------------------------------------------------------------------------------
  // Exports
  function renderExports() {
    const q = (e) => {
      const p = new URLSearchParams();
      if (e.kind) p.set('kind', S.kind);
      if (e.threshold) p.set('threshold_min', String(threshold()));
      const s = p.toString();
      return s ? `?${s}` : '';
    };
    const links = EXPORTS.map((e) => `<a class="button" href="api/export/${e.file}${q(e)}" download>${esc(e.label)}</a>`);
    links.push('<button type="button" id="export-scenario" class="button"' + (S.whatif ? '' : ' disabled') + '>Scénario et écarts (JSON)</button>');
    $('exports').innerHTML = links.join('');
    $('export-scenario').addEventListener('click', async () => {
      if (!S.whatif) return;
      // The diff of every kind, not only the one on the map.
      const scenario = scenarioDoc();
      let diff;
      try {
        diff = (await postJson('whatif', scenario)).diff;
      } catch (e) {
        showError(`L'export du scénario a échoué : ${e.message}`);
        return;
      }
      const doc = { scenario, diff };
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `zoneblanche_scenario_${(S.scenario.name || 'carte').replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  }

  // ---------------------------------------------------------------------------------------
  // Coverage at (kind, threshold)
  async function loadCoverage() {
    const seq = ++S.seq.coverage;
    const kind = S.kind;
    const t = threshold();
    const q = `kind=${encodeURIComponent(kind)}&threshold_min=${encodeURIComponent(t)}`;
    const [coverage, demand, zones, communes] = await Promise.all([
      api(`coverage?${q}`), api(`layers/demand?${q}`), api(`layers/zones?${q}`), api(`layers/communes?${q}`),
    ]);
    if (seq !== S.seq.coverage) return false; // a newer request is on its way
    S.coverage = coverage;
    drawCommunes(communes);
    drawZones(zones, layers.zones, false);
    drawDemand(demand);
    renderSummary();
    renderExports();
    if (hasChanges()) {
      await runWhatif();
    } else {
      clearWhatif();
      renderTable();
      renderLegend();
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Scenario
  function hasChanges() {
    return S.scenario.add.length + S.scenario.close.length + S.scenario.move.length > 0;
  }

  // The scenario as the API reads it: sites added, closed, moved, and the thresholds the page
  // shows that differ from the study's.
  function scenarioDoc() {
    const thresholds = {};
    for (const k of S.territory.kinds) {
      const t = S.thresholds[k.kind];
      if (t !== undefined && t !== k.threshold_min) thresholds[`${k.kind}_min`] = t;
    }
    const doc = { name: S.scenario.name || 'carte', add: S.scenario.add, close: S.scenario.close };
    if (S.scenario.move.length) doc.move = S.scenario.move;
    if (Object.keys(thresholds).length) doc.thresholds = thresholds;
    return doc;
  }

  function renderChanges() {
    const ul = $('changes');
    const items = [];
    S.scenario.add.forEach((a, i) => items.push(
      `<li><i class="zb-site zb-candidate legend-icon"><span>+</span></i>${esc(a.name || a.id)} — ${esc(kindLabel(a.kind))} <span class="hint">(lat. ${esc(nf3.format(a.lat))} ; long. ${esc(nf3.format(a.lon))})</span> <button type="button" data-remove-add="${i}" title="Retirer">✕</button></li>`));
    S.scenario.close.forEach((c, i) => items.push(
      `<li>Fermeture : ${esc(siteName(c.id))} <button type="button" data-remove-close="${i}" title="Annuler">✕</button></li>`));
    S.scenario.move.forEach((m, i) => items.push(
      `<li>Déplacement : ${esc(siteName(m.id))} <button type="button" data-remove-move="${i}" title="Annuler">✕</button></li>`));
    ul.innerHTML = items.length ? items.join('') : '<li class="hint">Aucun changement.</li>';
    $('clear-scenario').disabled = !hasChanges();
  }

  $('changes').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    for (const [attr, list] of [['removeAdd', 'add'], ['removeClose', 'close'], ['removeMove', 'move']]) {
      if (b.dataset[attr] !== undefined) S.scenario[list].splice(Number(b.dataset[attr]), 1);
    }
    scenarioChanged();
  });
  $('clear-scenario').addEventListener('click', () => {
    S.scenario = { name: '', add: [], close: [], move: [] };
    scenarioChanged();
  });

  function drawCandidates() {
    layers.candidates.clearLayers();
    S.scenario.add.forEach((a, i) => {
      const m = L.marker([a.lat, a.lon], {
        icon: siteIcon(a.kind, `zb-candidate ${a.kind === S.kind ? 'zb-current' : 'zb-other-kind'}`, '+'),
        title: `${a.name || a.id} (site candidat)`,
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
          S.scenario.add.splice(i, 1);
          scenarioChanged();
        });
        div.appendChild(b);
        return div;
      });
      m.addTo(layers.candidates);
    });
  }

  function scenarioChanged() {
    $('scenario-error').hidden = true;
    renderChanges();
    drawCandidates();
    drawSites();
    if (hasChanges()) {
      runWhatif();
    } else {
      clearWhatif();
      renderTable();
      renderLegend();
      renderExports();
    }
  }

  function clearWhatif() {
    S.whatif = null;
    S.seq.whatif++;
    layers.zonesAfter.clearLayers();
    layers.changed.clearLayers();
    $('diff').hidden = true;
    $('diff').innerHTML = '';
    delete $('diff').dataset.ms;
    layers.zones.eachLayer((g) => g.setStyle && g.setStyle({ fillOpacity: 0.3 }));
  }

  // The map shows one kind at its threshold: the what-if answers for that kind only (the export
  // asks for all), compared with the study's sites at the same threshold (`before=thresholds`),
  // so that the diff and the map show what the sites change.
  const whatifPath = (kind) => `whatif?kind=${encodeURIComponent(kind)}&before=thresholds`;

  async function runWhatif(started) {
    const t0 = started || performance.now();
    const seq = ++S.seq.whatif;
    const kind = S.kind;
    const t = threshold();
    const doc = scenarioDoc();
    let b;
    try {
      b = await postJson(whatifPath(kind), doc);
    } catch (e) {
      if (seq !== S.seq.whatif) return;
      const why = /off the road network/.test(e.message)
        ? "ce point est trop loin d'une route de l'étude pour y placer un site"
        : "le serveur l'a refusé";
      const box = $('scenario-error');
      box.hidden = false;
      box.innerHTML = `<p>Le scénario n'a pas pu être calculé : ${esc(why)}.</p><p class="hint">${esc(e.message)}</p>`;
      // A candidate the API refuses (off the road network): take it back, run the rest.
      if (e instanceof ApiError && e.status === 400 && S.lastAdded && S.scenario.add.includes(S.lastAdded)) {
        S.scenario.add = S.scenario.add.filter((x) => x !== S.lastAdded);
        S.lastAdded = null;
        renderChanges();
        drawCandidates();
        if (hasChanges()) runWhatif();
        else clearWhatif();
      }
      return;
    }
    if (seq !== S.seq.whatif || kind !== S.kind || t !== threshold()) return;
    S.lastAdded = null;
    S.whatif = { kind, threshold: t, b, ms: performance.now() - t0 };
    drawWhatif();
    renderDiff();
    renderTable();
    renderLegend();
    renderExports();
    const ms = performance.now() - t0;
    $('diff').dataset.ms = String(Math.round(ms));
    $('diff-time').textContent = `calculé et affiché en ${nf0.format(ms)} ms`;
  }

  // Status of each demand unit of the page's kind after the scenario, at the page's threshold.
  function statusAfter() {
    const changed = new Map((S.whatif.b.changed.features || [])
      .filter((f) => f.properties.kind === S.kind)
      .map((f) => [f.properties.id, f]));
    const out = [];
    for (const [id, p] of S.demandById) {
      const f = changed.get(id);
      const after = f ? f.properties.status_after : p.status;
      if (after !== p.status) out.push({ id, before: p.status, after, p, f });
    }
    return out;
  }

  function drawWhatif() {
    drawZones(S.whatif.b.zones_after, layers.zonesAfter, true);
    layers.zones.eachLayer((g) => g.setStyle && g.setStyle({ fillOpacity: 0.12 }));
    layers.changed.clearLayers();
    const changes = statusAfter();
    S.whatif.changes = changes;
    for (const c of changes) {
      const f = c.f;
      if (!f || !f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const gain = c.after === 'within';
      L.circleMarker([lat, lon], {
        renderer: renderers.changed,
        radius: 11,
        className: gain ? 'zb-changed zb-gain' : 'zb-changed zb-loss',
        color: gain ? '#00a651' : '#b10026',
        weight: 3,
        fill: false,
        interactive: false,
      }).addTo(layers.changed);
    }
  }

  function renderDiff() {
    const { b, threshold: t } = S.whatif;
    const k = b.diff.kinds[S.kind];
    const box = $('diff');
    box.hidden = false;
    if (!k) {
      box.innerHTML = `<p>Ce scénario ne touche pas « ${esc(kindLabel(S.kind))} ».</p><p class="hint" id="diff-time"></p>`;
      return;
    }
    const s = S.coverage.summary;
    const o = k.overall;
    // Before: the coverage at the page's threshold (what the panel above shows).
    const before = {
      within: s.within_weight, share: s.within_share, median: s.median_min, p90: s.p90_min,
      zones: s.zones, secret: !!s.secret,
    };
    const after = {
      within: o.within_after, share: o.within_share_after, median: o.median_min_after,
      p90: o.p90_min_after, zones: k.zones_after, secret: !!o.secret,
    };
    let gain = null;
    let gainText;
    if (before.within !== null && before.within !== undefined && after.within !== null && after.within !== undefined) {
      gain = after.within - before.within;
      gainText = isSmall(gain) ? secretText() : fmtSigned(gain, (v) => nf0.format(v));
    } else {
      gainText = secretText();
    }
    const changes = S.whatif.changes || [];
    const nIn = changes.filter((c) => c.after === 'within').length;
    const nOut = changes.filter((c) => c.before === 'within').length;
    const row = (label, bv, av, dv, cls) => `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${esc(label)}</th><td>${esc(bv)}</td><td>${esc(av)}</td><td>${esc(dv)}</td></tr>`;
    const dMin = (x, y) => (x === null || x === undefined || y === null || y === undefined ? '—' : fmtSigned(Math.round((y - x) * 10) / 10, (v) => `${nf1.format(v)} min`));
    const dShare = (x, y) => (x === null || x === undefined || y === null || y === undefined ? '—' : fmtSigned(Math.round((y - x) * 1000) / 10, (v) => `${nf1.format(v)} pt`));
    const added = S.scenario.add.filter((x) => x.kind === S.kind).length;
    const closed = S.scenario.close.filter((c) => {
      const f = S.siteById.get(c.id);
      return f && f.properties.kind === S.kind;
    }).length;
    box.innerHTML = `
      <h3>Effet du scénario</h3>
      <p class="hint">${esc(kindLabel(S.kind))}, seuil ${esc(nf1.format(t))} min : ${esc(nf0.format(added))} site(s) ajouté(s), ${esc(nf0.format(closed))} fermé(s).</p>
      <table class="diff-table">
        <thead><tr><th></th><th scope="col">Avant</th><th scope="col">Après</th><th scope="col">Écart</th></tr></thead>
        <tbody>
          ${row(`Dans le seuil (${S.countsLabel})`, fmtCount(before.within, before.secret), fmtCount(after.within, after.secret), gainText, 'gain')}
          ${row('Part dans le seuil', fmtShare(before.share, before.secret), fmtShare(after.share, after.secret), dShare(before.share, after.share))}
          ${row('Temps médian', fmtMin(before.median), fmtMin(after.median), dMin(before.median, after.median))}
          ${row('9e décile du temps', fmtMin(before.p90), fmtMin(after.p90), dMin(before.p90, after.p90))}
          ${row('Zones blanches', nf0.format(before.zones || 0), nf0.format(after.zones || 0), fmtSigned((after.zones || 0) - (before.zones || 0), (v) => nf0.format(v)))}
        </tbody>
      </table>
      <p>${esc(nf0.format(nIn))} unité(s) de demande passe(nt) dans le seuil, ${esc(nf0.format(nOut))} en sort(ent) (cercles sur la carte).</p>
      <p class="hint" id="diff-time"></p>`;
    box.dataset.gain = gain === null ? '' : String(gain);
    box.dataset.unitsIn = String(nIn);
  }

  // Click on the map: a candidate site of the kind shown.
  map.on('click', (e) => {
    const started = performance.now();
    const n = ++S.candidateSeq;
    const c = {
      id: `candidat-${n}`,
      kind: S.kind,
      lon: Math.round(e.latlng.lng * 1e6) / 1e6,
      lat: Math.round(e.latlng.lat * 1e6) / 1e6,
      name: `Site candidat ${n}`,
    };
    S.scenario.add.push(c);
    S.lastAdded = c;
    $('scenario-error').hidden = true;
    renderChanges();
    drawCandidates();
    runWhatif(started);
  });

  // ---------------------------------------------------------------------------------------
  // Best sites
  $('best').addEventListener('click', async () => {
    const k = Math.max(1, Math.min(10, Number($('best-k').value) || 1));
    const list = $('best-list');
    list.innerHTML = '<li class="hint">Calcul en cours…</li>';
    $('best-add').hidden = true;
    const ask = (n) => postJson('recommend', {
      kind: S.kind, k: n, objective: $('best-objective').value, threshold_min: threshold(),
    });
    try {
      // A small study may have fewer candidate places on its roads than asked.
      const n = Math.min(k, S.territory.recommend_candidates);
      if (n < 1) throw new Error("l'étude n'a aucun emplacement candidat (mairie) sur son réseau routier");
      const r = await ask(n);
      const note = n < k
        ? `<li class="hint">Seulement ${esc(nf0.format(n))} emplacement(s) possible(s) sur le réseau routier de l'étude.</li>`
        : '';
      S.picks = r;
      drawPicks();
      const items = r.picks.features.map((f) => {
        const p = f.properties;
        return `<li><strong>${esc(p.label || p.id)}</strong> : +${esc(fmtCount(p.gain_weight, p.secret))} ${esc(S.countsLabel)} dans le seuil ; part cumulée ${esc(fmtShare(p.cumulative_within_share, p.secret))} ; pire trajet ${esc(fmtMin(p.worst_min_after))}</li>`;
      });
      list.innerHTML = (items.join('') || '<li class="hint">Aucun emplacement proposé.</li>') + note;
      $('best-add').hidden = r.picks.features.length === 0;
      renderLegend();
    } catch (e) {
      list.innerHTML = `<li class="error">Pas de proposition : ${esc(e.message)}</li>`;
    }
  });

  function drawPicks() {
    layers.picks.clearLayers();
    if (!S.picks) return;
    for (const f of S.picks.picks.features) {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], {
        icon: siteIcon(p.kind, 'zb-pick', String(p.rank)),
        title: `Emplacement proposé n° ${p.rank} : ${p.label || p.id}`,
        zIndexOffset: 1500,
      }).bindPopup(`<strong>n° ${esc(p.rank)} — ${esc(p.label || p.id)}</strong><br>mairie proposée pour ${esc(kindLabel(p.kind))}<br>+${esc(fmtCount(p.gain_weight, p.secret))} ${esc(S.countsLabel)} dans le seuil`)
        .addTo(layers.picks);
    }
  }

  $('best-add').addEventListener('click', () => {
    if (!S.picks) return;
    for (const f of S.picks.picks.features) {
      const p = f.properties;
      const id = `propose-${p.id}`;
      if (S.scenario.add.some((a) => a.id === id)) continue;
      const [lon, lat] = f.geometry.coordinates;
      S.scenario.add.push({ id, kind: p.kind, lon, lat, name: `Proposé : ${p.label || p.id}` });
    }
    S.picks = null;
    layers.picks.clearLayers();
    $('best-list').innerHTML = '';
    $('best-add').hidden = true;
    scenarioChanged();
  });

  // ---------------------------------------------------------------------------------------
  // Saved scenarios
  function authHeaders() {
    return S.token ? { Authorization: `Bearer ${S.token}` } : {};
  }
  function savedStatus(text, isError) {
    const p = $('saved-status');
    p.textContent = text;
    p.classList.toggle('error', !!isError);
  }
  async function loadSaved() {
    const ul = $('saved-list');
    try {
      const list = await api('scenarios');
      ul.innerHTML = list.length ? list.map((s) => `<li data-name="${esc(s.name)}"><span class="name">${esc(s.name)}</span> <span class="hint">${esc(new Date(s.saved_at).toLocaleString('fr-FR'))}</span>
        <button type="button" data-open>Ouvrir</button> <button type="button" data-delete>Supprimer</button></li>`).join('')
        : '<li class="hint">Aucun scénario enregistré.</li>';
      $('save-scenario').disabled = false;
    } catch (e) {
      if (e.status === 503) {
        ul.innerHTML = '<li class="hint">Ce serveur n\'a pas de base de scénarios (option --db).</li>';
        $('save-scenario').disabled = true;
      } else {
        ul.innerHTML = `<li class="error">Liste indisponible : ${esc(e.message)}</li>`;
      }
    }
  }
  function needToken(e) {
    if (e.status === 401) {
      $('token-row').hidden = false;
      savedStatus("Ce serveur demande un jeton d'accès pour enregistrer ou supprimer : saisissez-le puis recommencez.", true);
      return true;
    }
    return false;
  }
  $('token').addEventListener('change', () => {
    S.token = $('token').value.trim();
    sessionStorage.setItem('zb-token', S.token);
  });
  $('save-scenario').addEventListener('click', async () => {
    const name = $('scenario-name').value.trim();
    if (!name) {
      savedStatus('Donnez un nom au scénario.', true);
      return;
    }
    if (!hasChanges() && !scenarioDoc().thresholds) {
      savedStatus('Le scénario est vide : placez un site candidat ou fermez un site.', true);
      return;
    }
    S.scenario.name = name;
    try {
      await postJson('scenarios', scenarioDoc(), authHeaders());
      savedStatus(`Scénario « ${name} » enregistré.`);
      await loadSaved();
    } catch (e) {
      if (!needToken(e)) savedStatus(`Échec de l'enregistrement : ${e.message}`, true);
    }
  });
  $('saved-list').addEventListener('click', async (e) => {
    const b = e.target.closest('button');
    const li = e.target.closest('li');
    if (!b || !li) return;
    const name = li.dataset.name;
    const path = `scenarios/${encodeURIComponent(name)}`;
    try {
      if (b.dataset.delete !== undefined) {
        await api(path, { method: 'DELETE', headers: authHeaders() });
        savedStatus(`Scénario « ${name} » supprimé.`);
        await loadSaved();
      } else if (b.dataset.open !== undefined) {
        const saved = await api(path);
        openScenario(saved.scenario || {}, name);
        savedStatus(`Scénario « ${name} » ouvert.`);
      }
    } catch (err) {
      if (!needToken(err)) savedStatus(err.message, true);
    }
  });

  function openScenario(sc, name) {
    S.scenario = {
      name: sc.name || name,
      add: (sc.add || []).map((a) => Object.assign({}, a)),
      close: (sc.close || []).map((c) => ({ id: c.id })),
      move: (sc.move || []).map((m) => Object.assign({}, m)),
    };
    $('scenario-name').value = S.scenario.name;
    let thresholdChanged = false;
    for (const k of S.territory.kinds) {
      const v = sc.thresholds && sc.thresholds[`${k.kind}_min`];
      const t = typeof v === 'number' ? v : k.threshold_min;
      if (k.kind === S.kind && t !== threshold()) thresholdChanged = true;
      S.thresholds[k.kind] = t;
    }
    const firstKind = S.scenario.add.length ? S.scenario.add[0].kind : null;
    if (firstKind && firstKind !== S.kind && S.thresholds[firstKind] !== undefined) {
      S.kind = firstKind;
      $('kind').value = firstKind;
      thresholdChanged = true;
    }
    renderChanges();
    drawCandidates();
    drawSites();
    syncSlider();
    if (thresholdChanged) loadCoverage().catch(fail);
    else if (hasChanges()) runWhatif();
    else scenarioChanged();
  }

  // ---------------------------------------------------------------------------------------
  // Controls
  function syncSlider() {
    const t = threshold();
    const s = $('threshold');
    s.max = String(Math.max(90, Math.ceil(t * 2)));
    s.value = String(t);
    $('threshold-value').textContent = nf1.format(t);
  }

  let sliderTimer = null;
  $('threshold').addEventListener('input', () => {
    const t = Number($('threshold').value);
    $('threshold-value').textContent = nf1.format(t);
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(() => {
      if (t === threshold()) return;
      S.thresholds[S.kind] = t;
      S.picks = null;
      layers.picks.clearLayers();
      loadCoverage().catch(fail);
    }, 120);
  });
  $('kind').addEventListener('change', () => {
    S.kind = $('kind').value;
    S.picks = null;
    layers.picks.clearLayers();
    $('best-list').innerHTML = '';
    $('best-add').hidden = true;
    syncSlider();
    drawSites();
    drawCandidates();
    loadCoverage().catch(fail);
  });

  function renderAbout() {
    const t = S.territory;
    const lines = [];
    lines.push(`<p>${esc(t.name || 'Étude sans nom')}${t.synthetic ? ' — <strong>synthétique</strong>' : ''}</p>`);
    lines.push(`<p>Réseau routier : ${esc(nf1.format(t.network.km))} km, ${esc(nf0.format(t.network.junctions))} carrefours, profil « ${esc(t.network.profile)} ». Demande : ${esc(nf0.format(t.demand_units))} unités dans ${esc(nf0.format(t.communes))} communes ; population comptée : ${esc(t.population_secret ? secretText() : fmtCount(t.population, false))} ${esc(S.countsLabel)}.</p>`);
    lines.push(`<p>Secret statistique : les effectifs entre 1 et ${esc(nf0.format(S.minCount - 1))} ne sont jamais affichés.</p>`);
    const w = Array.isArray(t.warnings) ? t.warnings : [];
    if (w.length) lines.push(`<p>Avertissements :</p><ul>${w.map((x) => `<li>${esc(x.message || JSON.stringify(x))}</li>`).join('')}</ul>`);
    const p = t.provenance || {};
    if (p.software) lines.push(`<p>Calculé par ${esc(p.software)}${p.generated_at ? `, ${esc(new Date(p.generated_at).toLocaleString('fr-FR'))}` : ''}.</p>`);
    $('about').innerHTML = lines.join('');
    $('secrecy-note').textContent = `Effectifs entre 1 et ${nf0.format(S.minCount - 1)} masqués (secret statistique). Temps de trajet en voiture, sans trafic.`;
  }

  function fail(e) {
    console.error(e);
    showError(`Erreur : ${e.message}`);
  }

  // ---------------------------------------------------------------------------------------
  // Start
  async function start() {
    const t = await api('territory');
    S.territory = t;
    S.minCount = (t.secrecy && t.secrecy.min_count) || 11;
    S.countsLabel = COUNT_LABELS[t.counts] || t.counts || 'personnes';
    document.title = `zoneblanche — ${t.name || 'zones blanches'}`;
    $('study-name').textContent = t.name || '';
    $('synthetic-banner').hidden = !t.synthetic;
    document.body.classList.toggle('synthetic', !!t.synthetic);
    if (!t.kinds.length) throw new Error("cette étude n'a aucun site");
    for (const k of t.kinds) S.thresholds[k.kind] = k.threshold_min;
    S.kind = t.kinds.some((k) => k.kind === 'mediation') ? 'mediation' : t.kinds[0].kind;
    $('kind').innerHTML = t.kinds.map((k) => `<option value="${esc(k.kind)}">${esc(kindLabel(k.kind))} (${esc(nf0.format(k.sites))} site${k.sites > 1 ? 's' : ''})</option>`).join('');
    $('kind').value = S.kind;
    syncSlider();
    renderAbout();
    if (t.extent && t.extent.length === 4) {
      const [w, s, e, n] = t.extent;
      map.fitBounds([[s, w], [n, e]], { padding: [10, 10] });
    } else {
      map.setView([46.5, 2.5], 6);
    }
    const [sites, roads] = await Promise.all([api('sites'), api('layers/roads'), loadCoverage()]);
    S.sites = sites.features;
    S.siteById = new Map(S.sites.map((f) => [f.properties.id, f]));
    drawRoads(roads);
    drawSites();
    renderChanges();
    renderLegend();
    renderTable(); // site names in tooltips and the table now resolve
    // Fit what was computed: the roads, the demand and the sites (commune outlines may reach
    // far beyond the study's road extract); the communes when there is nothing else.
    const b = L.latLngBounds([]);
    for (const name of ['roads', 'demand', 'sites']) {
      layers[name].eachLayer((g) => b.extend(g.getBounds ? g.getBounds() : g.getLatLng()));
    }
    if (!b.isValid()) for (const x of S.communeBounds.values()) b.extend(x);
    map.invalidateSize(); // the commune table has taken its height
    if (b.isValid()) map.fitBounds(b, { paddingTopLeft: [20, 20], paddingBottomRight: [240, 20] });
    window.zb.ready = true;
    window.zb.readyAt = performance.now();
    document.body.dataset.ready = '1';
    loadSaved();
  }

  window.zb = { map, state: S, ready: false };
  start().catch((e) => {
    fail(e);
    document.body.dataset.ready = 'error';
  });
}());

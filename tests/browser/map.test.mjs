// Browser test of the map page: Debian's chromium driven by playwright-core (no browser is
// downloaded) against a zoneblanche server already listening on 127.0.0.1.
//
//   node tests/browser/map.test.mjs http://127.0.0.1:PORT/ ARTIFACT_DIR
//
// Run by `cargo test` through crates/server/tests/browser.rs, on the synthetic Lozère demo and,
// when the shared data is there, on the Monaco example study. Every study-specific figure it
// checks comes from the API's answers (territory, sites, coverage), so the same checks hold on
// any study. Checks: the page loads with no failed request and no request leaving 127.0.0.1;
// the map, numbers and commune table are shown within 2 s of navigation (the roads after);
// sites, zones, roads, communes, commune names, time bands, the legend, the scale and the
// table are drawn; the attribution says what the roads are; the search box zooms to and opens
// a commune; statuses do not rest on colour alone; moving the threshold changes the numbers;
// a click adds a candidate site and the diff appears within 300 ms; so does a candidate placed
// from the keyboard only; errors are worded in French from the API's codes; "best sites",
// exports and saved scenarios work; secret counts read « secret »; at 1280×720 the legend
// starts folded and the territory fits. Writes screenshots to ARTIFACT_DIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [url, artifactDir = path.join(import.meta.dirname, 'artifacts')] = process.argv.slice(2);
if (!url) {
  console.error('usage: node map.test.mjs http://127.0.0.1:PORT/ [ARTIFACT_DIR]');
  process.exit(2);
}
const CHROMIUM = process.env.ZB_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium tries external hosts, which this machine
// refuses; the page itself must never need them.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-default-apps', '--disable-extensions', '--lang=fr-FR',
];
const USABLE_BUDGET_MS = 2000;
const DIFF_BUDGET_MS = 300;

const origin = new URL(url).origin;
const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const api = async (p, init) => {
  const r = await fetch(new URL(`api/${p}`, url), init);
  assert.equal(r.status, 200, `GET api/${p}: ${r.status}`);
  return r.json();
};
const shot = (page, name) => page.screenshot({ path: path.join(artifactDir, name) });

test('map page in headless Chromium', async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup test`);
  fs.mkdirSync(artifactDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
    locale: 'fr-FR',
    acceptDownloads: true,
  });
  const page = context.pages()[0] || await context.newPage();
  const failed = [];
  const foreign = [];
  const errors = [];
  // Requests the test makes fail on purpose (bad threshold, candidate off the roads).
  let expectFailures = false;
  page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !expectFailures) failed.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  const whatifUrls = [];
  page.on('request', (r) => {
    const u = r.url();
    if (u.includes('/api/whatif')) whatifUrls.push(u);
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expectFailures) errors.push(`console: ${m.text()}`);
  });
  const territory = await api('territory');
  const sites = await api('sites');
  const kind0 = territory.kinds.some((k) => k.kind === 'mediation') ? 'mediation' : territory.kinds[0].kind;
  const cov0 = await api(`coverage?kind=${kind0}`);
  let startZoom = null;

  // The map's own view, for checks on what is on screen.
  const mapState = (p) => p.evaluate(() => {
    const m = window.zb.map;
    const b = m.getBounds();
    return { zoom: m.getZoom(), w: b.getWest(), s: b.getSouth(), e: b.getEast(), n: b.getNorth() };
  });
  const waitDiff = (p) => p.waitForSelector('#diff[data-ms]', { timeout: 5000 });

  try {
    await t.test('loads, usable within 2 s, no failed or foreign request', async () => {
      const t0 = Date.now();
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
      const usable = Date.now() - t0;
      const readyAt = await page.evaluate(() => window.zb.readyAt);
      console.log(`usable after ${usable} ms from navigation (page's own clock: ${Math.round(readyAt)} ms after navigation start)`);
      await page.waitForSelector('body[data-roads="1"]', { timeout: 20000 });
      const roadsAt = await page.evaluate(() => window.zb.roadsAt);
      console.log(`roads drawn ${Math.round(roadsAt)} ms after navigation start (page's clock)`);
      // Where the time went: each request of the start, as the page saw it.
      const reqs = await page.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/'))
        .map((e) => `${new URL(e.name).pathname.replace('/api/', '')} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)} ms (first byte after ${Math.round(e.responseStart - e.startTime)} ms, ${Math.round(e.encodedBodySize / 1024)} KiB)`));
      console.log(`requests: ${reqs.join('; ')}`);
      await page.waitForLoadState('networkidle');
      assert.deepEqual(failed, [], 'failed requests');
      assert.deepEqual(foreign, [], 'requests leaving the server');
      assert.deepEqual(errors, [], 'errors in the page');
      assert.ok(usable <= USABLE_BUDGET_MS, `usable after ${usable} ms > ${USABLE_BUDGET_MS} ms`);
      startZoom = (await mapState(page)).zoom;
    });

    await t.test('map, numbers, legend, scale and table are drawn', async () => {
      const n = await page.evaluate(() => ({
        sites: document.querySelectorAll('.leaflet-marker-pane .zb-site').length,
        zones: document.querySelectorAll('.leaflet-zones-pane path.zb-zone').length,
        communes: document.querySelectorAll('.leaflet-communes-pane path.zb-commune').length,
        roadCanvas: document.querySelectorAll('.leaflet-roads-pane canvas').length,
        roads: document.querySelector('.leaflet-roads-pane canvas')?.width || 0,
        demandCanvas: document.querySelectorAll('.leaflet-demand-pane canvas').length,
        rows: document.querySelectorAll('#communes tbody tr').length,
        legend: document.getElementById('legend')?.innerText || '',
        scale: document.querySelector('.leaflet-control-scale-line')?.innerText || '',
        summary: document.getElementById('summary').innerText,
        ferry: document.querySelector('#summary [data-key="via_ferry"] dd').innerText,
        offNetwork: document.querySelector('#summary [data-key="off_network"]').innerText,
        total: document.querySelector('#summary [data-key="total"]').innerText,
        banner: !document.getElementById('synthetic-banner').hidden,
        attribution: document.querySelector('.leaflet-control-attribution').innerText,
        body: document.body.innerText,
      }));
      console.log(`drawn: ${n.sites} sites, ${n.zones} zones, ${n.communes} communes, ${n.rows} table rows; scale ${n.scale}`);
      assert.equal(n.sites, sites.features.length, 'one marker per site');
      assert.equal(n.zones >= 1, cov0.summary.zones >= 1, 'zones blanches drawn when there are some');
      assert.equal(n.communes, territory.communes, 'one outline per commune');
      assert.equal(n.rows, territory.communes, 'one table row per commune');
      assert.equal(n.roadCanvas, 1, 'roads drawn on a canvas');
      assert.ok(n.roads > 0, 'roads canvas has a size');
      assert.equal(n.demandCanvas, 1, 'demand drawn on a canvas');
      assert.match(n.legend, /Temps de trajet/);
      assert.match(n.legend, /zone blanche/);
      assert.match(n.scale, /\d+ (m|km)/);
      assert.match(n.summary, /Dans le seuil/);
      // Figures and words from the API's answers: the study's snapping limit, the weight
      // reached by ferry (Monaco's is not 0), what the weights count, in French.
      assert.equal(n.offNetwork.replace(/\s+/g, ' '), `dont hors réseau routier (à plus de ${nf0.format(territory.max_snap_m)} m d'une route) ${nf0.format(cov0.summary.unreachable_off_network)}`.replace(/\s+/g, ' '));
      assert.match(n.summary, /sans liaison routière vers un service \(île sans bac, réseau isolé\)/);
      assert.match(n.summary, /Atteints en voiture, dont par bac/);
      assert.equal(n.ferry, nf0.format(cov0.summary.weight_via_ferry));
      if (territory.counts === 'people') assert.match(n.total, /Total \(personnes\)/);
      assert.doesNotMatch(n.body, /\b(people|households|single-parent)\b/, 'counts worded in French');
      assert.equal(n.banner, territory.synthetic, 'synthetic banner iff the study is synthetic');
      // The attribution says what the roads are: OpenStreetMap's, unless the study is synthetic.
      if (territory.synthetic) {
        assert.match(n.attribution, /étude synthétique, réseau généré \(démo\)/);
      } else {
        assert.match(n.attribution, /Routes © contributeurs OpenStreetMap/);
        assert.doesNotMatch(n.attribution, /synthétique/);
      }
      if (sites.features.some((f) => f.properties.synthetic)) {
        assert.match(n.legend, /synthétique/);
        assert.ok(await page.locator('.zb-site.zb-synthetic').count() > 0, 'synthetic sites marked');
      }
      assert.doesNotMatch(n.body, /\b(undefined|NaN|null)\b/, 'no raw JS values shown');
      await shot(page, 'map-1440x900.png');
    });

    await t.test('commune names are shown at the start zoom, none overlapping', async () => {
      const labels = await page.$$eval('.zb-label:not([hidden])', (els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return { text: e.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
      }));
      console.log(`labels at zoom ${startZoom}: ${labels.length} of ${territory.communes} (${labels.slice(0, 6).map((l) => l.text).join(', ')}…)`);
      assert.ok(labels.length >= 1, 'some commune names');
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i];
          const b = labels[j];
          assert.ok(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0, `${a.text} overlaps ${b.text}`);
        }
      }
      // The most populated commune is named.
      const big = [...cov0.communes].filter((c) => c.nom).sort((a, b) => (b.total || 0) - (a.total || 0))[0];
      assert.ok(labels.some((l) => l.text === big.nom), `${big.nom} is labelled`);
    });

    await t.test('a stacked bar of time bands per commune, with a legend', async () => {
      const bars = await page.$$eval('#communes tbody tr', (trs) => trs.map((tr) => ({
        code: tr.dataset.code,
        segs: [...tr.querySelectorAll('.bands-bar i')].map((i) => parseFloat(i.style.width)),
        label: tr.querySelector('.bands-bar')?.getAttribute('aria-label') || '',
      })));
      const withPeople = cov0.communes.filter((c) => c.total > 0);
      assert.equal(bars.filter((b) => b.segs.length).length, withPeople.length, 'a bar for each commune with people');
      // The bar of the most populated commune is its bands' shares of its total.
      const big = [...withPeople].sort((a, b) => b.total - a.total)[0];
      const bar = bars.find((b) => b.code === big.code_insee);
      const bandKeys = Object.keys(big).filter((k) => k.startsWith('band_'));
      assert.equal(bandKeys.length, cov0.summary.bands.length);
      const want = bandKeys.map((k) => big[k]).filter((v) => v > 0).map((v) => (100 * v) / big.total);
      assert.deepEqual(bar.segs.slice(0, want.length).map((x) => Math.round(x)), want.map((x) => Math.round(x)), `${big.nom}: ${bar.label}`);
      assert.match(bar.label, /0 à 15 min/);
      const legend = await page.innerText('#table-bands');
      for (const b of cov0.summary.bands) assert.ok(legend.includes(`${nf1.format(b.from_min)} `), `band ${b.from_min} in the legend`);
      assert.match(legend, /injoignable/);
      assert.ok(await page.locator('#summary [data-key="bands"] .bands-bar i').count() >= 1, 'bands of the territory');
    });

    await t.test('statuses are told apart by shape, not colour alone; focus is visible', async () => {
      const legend = await page.evaluate(() => ({
        discs: document.querySelectorAll('#legend svg.sym circle').length,
        squares: document.querySelectorAll('#legend svg.sym rect').length,
        crosses: document.querySelectorAll('#legend svg.sym path').length,
        zoneFill: getComputedStyle(document.querySelector('.leaflet-zones-pane path.zb-zone') || document.body).fill,
      }));
      assert.ok(legend.discs >= 1 && legend.squares >= 1 && legend.crosses >= 1, JSON.stringify(legend));
      if (cov0.summary.zones) assert.match(legend.zoneFill, /url\(.*zb-hatch/, 'zones blanches hatched');
      await page.focus('#place-centre');
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
      // Focus moved by a script shows as focus-visible only after keyboard use: press Tab back.
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      const kb = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return { id: document.activeElement.id, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
      assert.equal(kb.id, 'place-centre');
      assert.notEqual(kb.style, 'none', `focus outline ${JSON.stringify({ outline, kb })}`);
      assert.ok(kb.width >= 2, `focus outline ${kb.width}px`);
      await page.evaluate(() => document.activeElement.blur());
    });

    await t.test('sorting the commune table', async () => {
      const names = () => page.$$eval('#communes tbody tr td:nth-child(2)', (tds) => tds.map((x) => x.innerText));
      await page.click('#communes th[data-key="nom"] button');
      const asc = await names();
      await page.click('#communes th[data-key="nom"] button');
      const desc = await names();
      assert.deepEqual(desc, [...asc].reverse());
      assert.deepEqual(asc, [...asc].sort((a, b) => a.localeCompare(b, 'fr')));
    });

    await t.test('the search box finds a commune by name (accents or not) or code, zooms to it and opens it', async () => {
      const named = cov0.communes.filter((c) => c.nom && c.code_insee);
      // A name with an accent when there is one, typed without it.
      const target = named.find((c) => fold(c.nom) !== c.nom.toLowerCase() && c.total > 0)
        || [...named].sort((a, b) => (b.total || 0) - (a.total || 0))[0];
      await page.fill('#search', fold(target.nom).slice(0, Math.max(4, fold(target.nom).length - 1)));
      await page.waitForSelector('#search-list li');
      const options = await page.$$eval('#search-list li', (lis) => lis.map((li) => li.innerText));
      assert.ok(options.some((o) => o.startsWith(target.nom)), `${target.nom} among ${options.join(' | ')}`);
      // By code, with the keyboard.
      await page.fill('#search', target.code_insee);
      await page.waitForSelector('#search-list li');
      assert.match(await page.innerText('#search-list li[aria-selected="true"]'), new RegExp(target.code_insee));
      await page.press('#search', 'Enter');
      await page.waitForSelector('#commune-box:not([hidden]) h2');
      assert.match(await page.innerText('#commune-box h2'), new RegExp(target.nom.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(await page.evaluate(() => document.activeElement.id), 'h-commune', 'the commune opened has the focus');
      assert.equal(await page.getAttribute('#communes tbody tr.selected', 'data-code'), target.code_insee);
      // Zoomed to the commune: the map shows its outline, closer than the territory.
      const v = await mapState(page);
      const b = await page.evaluate((code) => {
        let out = null;
        window.zb.map.eachLayer((l) => {
          if (l.feature && l.feature.properties && l.feature.properties.code_insee === code && l.getBounds) out = l.getBounds();
        });
        return out && { w: out.getWest(), s: out.getSouth(), e: out.getEast(), n: out.getNorth() };
      }, target.code_insee);
      assert.ok(b, 'the commune has an outline');
      assert.ok(v.w <= b.w + 1e-6 && v.e >= b.e - 1e-6 && v.s <= b.s + 1e-6 && v.n >= b.n - 1e-6, `${JSON.stringify(v)} holds ${JSON.stringify(b)}`);
      const fill = Math.max((b.e - b.w) / (v.e - v.w), (b.n - b.s) / (v.n - v.s));
      assert.ok(fill >= 0.3, `zoomed to it: the commune spans ${Math.round(fill * 100)} % of the view`);
      console.log(`search "${target.code_insee}" -> ${target.nom}, zoom ${startZoom} -> ${v.zoom}`);
      const box = await page.innerText('#commune-box');
      assert.match(box, /Par temps de trajet/);
      await shot(page, 'map-commune.png');
      await page.click('#commune-box button[data-action="close"]');
    });

    await t.test('moving the threshold changes the numbers', async () => {
      const before = await page.innerText('#summary');
      const t0 = Number(await page.getAttribute('#summary', 'data-threshold'));
      await page.focus('#threshold');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      const want = String(t0 - 2);
      await page.waitForSelector(`#summary[data-threshold="${want}"]`, { timeout: 5000 });
      const after = await page.innerText('#summary');
      assert.notEqual(after, before);
      assert.match(await page.innerText('#threshold-value'), new RegExp(`^${want}$`));
      const legend = await page.innerText('#legend');
      assert.match(legend, new RegExp(`seuil ${want} min`));
      console.log(`threshold ${t0} -> ${want} min: numbers changed`);
    });

    await t.test('errors are worded in French from the API codes', async () => {
      expectFailures = true;
      // A threshold the API refuses (as a hand-edited or stale page would ask).
      await page.route('**/api/coverage?*', (route) => {
        const u = new URL(route.request().url());
        u.searchParams.set('threshold_min', '999');
        route.continue({ url: u.href });
      });
      const r = await page.evaluate(async () => (await fetch('api/coverage?kind=x&threshold_min=999')).json());
      assert.ok(typeof r.code === 'string' && typeof r.error === 'string', JSON.stringify(r));
      await page.focus('#threshold');
      await page.keyboard.press('ArrowRight');
      await page.waitForSelector('#error-banner:not([hidden])', { timeout: 5000 });
      const banner = await page.innerText('#error-banner');
      console.log(`error shown: ${banner}`);
      assert.match(banner, /Couverture non calculée : le seuil demandé est hors limites/);
      assert.doesNotMatch(banner, /threshold|between|minutes:/, 'no English');
      await page.unroute('**/api/coverage?*');
      await page.keyboard.press('ArrowLeft');
      await page.waitForSelector('#error-banner', { state: 'hidden', timeout: 5000 });
      // A candidate far from every road: refused, taken back, the reason in French.
      const [w, s, , n] = territory.extent;
      await page.evaluate(([lat, lon]) => window.zb.map.setView([lat, lon], window.zb.map.getZoom(), { animate: false }), [(s + n) / 2, w - 0.2]);
      await page.evaluate(() => window.zb.actions.addCandidateAtCentre());
      await page.waitForSelector('#scenario-error:not([hidden])', { timeout: 5000 });
      const msg = await page.innerText('#scenario-error');
      assert.match(msg, new RegExp(`Le scénario n'a pas pu être calculé : ce point est à plus de ${nf0.format(territory.max_snap_m).replace(/\s/g, '\\s')} m de toute route`), msg);
      await page.waitForFunction(() => document.querySelectorAll('.leaflet-marker-pane .zb-candidate').length === 0);
      assert.equal(await page.locator('#clear-scenario').isDisabled(), true, 'the refused candidate was taken back');
      await page.waitForFunction(() => document.body.dataset.busy === '0');
      expectFailures = false;
    });

    // The kind with the most weight beyond its threshold, and that weight's heaviest unit.
    let target = null;
    for (const k of territory.kinds) {
      const d = await api(`layers/demand?kind=${k.kind}`);
      for (const f of d.features) {
        const p = f.properties;
        if (p.status === 'beyond' && f.geometry && (!target || (p.weight || 0) > target.weight)) {
          target = { kind: k.kind, weight: p.weight || 0, commune: p.commune, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] };
        }
      }
    }
    assert.ok(target, 'the study has demand beyond a threshold somewhere');
    const fitTerritory = () => page.evaluate(() => window.zb.fit());

    await t.test('a click adds a candidate and the diff appears within 300 ms', async () => {
      await fitTerritory();
      await page.selectOption('#kind', target.kind);
      await page.waitForSelector(`#summary[data-kind="${target.kind}"]`);
      await page.waitForFunction(() => document.body.dataset.busy === '0');
      const pt = await page.evaluate(([lat, lon]) => {
        const p = window.zb.map.latLngToContainerPoint([lat, lon]);
        return { x: p.x, y: p.y };
      }, [target.lat, target.lon]);
      const t0 = Date.now();
      await page.locator('#map').click({ position: pt });
      await waitDiff(page);
      const seen = Date.now() - t0;
      const ms = Number(await page.getAttribute('#diff', 'data-ms'));
      const answer = await page.evaluate(() => {
        const w = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/whatif'));
        return w.length ? Math.round(w[w.length - 1].duration) : null;
      });
      console.log(`diff shown ${ms} ms after the click (page's clock; ${seen} ms seen by the test; the what-if answer took ${answer} ms of it)`);
      assert.equal(await page.locator('.leaflet-marker-pane .zb-candidate').count(), 1);
      const text = await page.innerText('#diff');
      assert.match(text, /Effet du scénario/);
      assert.match(text, /Avant/);
      const gain = await page.getAttribute('#diff', 'data-gain');
      assert.ok(Number(gain) > 0, `the candidate brings people within the threshold (gain ${gain})`);
      assert.ok(await page.locator('.leaflet-changed-pane path.zb-gain').count() >= 1, 'units passing within are circled');
      assert.match(await page.innerText('#changes'), /Site candidat 1/);
      assert.match(await page.innerText('#communes thead'), /Part après scénario/);
      assert.ok(ms <= DIFF_BUDGET_MS, `diff after ${ms} ms > ${DIFF_BUDGET_MS} ms`);
      // The map asks for the kind it shows only, compared at its threshold.
      assert.ok(whatifUrls.length >= 1);
      for (const u of whatifUrls.slice(-1)) {
        assert.equal(new URL(u).searchParams.get('kind'), target.kind, u);
        assert.equal(new URL(u).searchParams.get('before'), 'thresholds', u);
      }
      await page.mouse.move(5, 5);
      await page.evaluate(() => {
        document.activeElement?.blur();
        document.getElementById('diff').scrollIntoView({ block: 'center' });
      });
      await shot(page, 'map.png');
    });

    await t.test('the diff follows the threshold', async () => {
      const t0 = Number(await page.getAttribute('#summary', 'data-threshold'));
      const want = t0 - 1;
      await page.focus('#threshold');
      await page.keyboard.press('ArrowLeft');
      await page.waitForSelector(`#summary[data-threshold="${want}"]`, { timeout: 5000 });
      await page.waitForFunction((w) => {
        const d = document.getElementById('diff');
        return d.dataset.ms && d.innerText.includes(`seuil ${w} min`);
      }, want, { timeout: 5000 });
      // "Before" is the coverage at the page's threshold, as the panel above shows it.
      const within = await page.innerText('#summary [data-key="within"] dd');
      const before = await page.innerText('#diff tr.gain td:nth-child(2)');
      assert.equal(before, within);
      const last = new URL(whatifUrls[whatifUrls.length - 1]);
      assert.equal(last.searchParams.get('before'), 'thresholds');
      console.log(`threshold ${t0} -> ${want} min with a candidate: diff ${await page.innerText('#diff tr.gain')}`);
    });

    await t.test('the scenario export holds the diff of every kind', async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-scenario')]);
      const doc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
      assert.deepEqual(Object.keys(doc.diff.kinds).sort(), territory.kinds.map((k) => k.kind).sort());
      assert.equal(doc.scenario.add.length, 1);
      assert.equal(doc.diff.scenario.add[0].kind, target.kind);
    });

    await t.test('keyboard only: a candidate at the map centre, a commune opened from the table', async () => {
      await page.click('#clear-scenario');
      await page.waitForSelector('#diff', { state: 'hidden' });
      // Centre the map on the unit beyond the threshold, then only keys.
      await page.evaluate(([lat, lon]) => window.zb.map.setView([lat, lon], window.zb.map.getZoom(), { animate: false }), [target.lat, target.lon]);
      await page.waitForTimeout(50);
      await page.focus('#map');
      await page.keyboard.press('Enter');
      await waitDiff(page);
      const ms = Number(await page.getAttribute('#diff', 'data-ms'));
      console.log(`keyboard: Enter on the map -> diff shown ${ms} ms after the key (page's clock)`);
      assert.equal(await page.locator('.leaflet-marker-pane .zb-candidate').count(), 1);
      assert.ok(Number(await page.getAttribute('#diff', 'data-gain')) > 0, 'the candidate at the centre brings people within');
      assert.match(await page.innerText('#notice'), /Site candidat \d+ placé au centre de la carte/);
      // The button does the same.
      await page.focus('#place-centre');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('.leaflet-marker-pane .zb-candidate').length === 2);
      await waitDiff(page);
      // A commune opened with Enter on its table row (each row is a stop of the Tab order),
      // then a candidate placed in it: at the middle of its outline, which may lie far from
      // every road (a commune cut by the extract's border): then refused, in French.
      await page.focus('#communes tbody tr:first-child');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.matches('#communes tbody tr:nth-child(2)')), true, 'Tab reaches the next row');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement.matches('#communes tbody tr:nth-child(3)')), true, 'so does the down arrow');
      const code = target.commune;
      await page.focus(`#communes tbody tr[data-code="${code}"]`);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#commune-box:not([hidden])');
      assert.equal(await page.getAttribute('#communes tbody tr.selected', 'data-code'), code);
      await page.focus('#commune-box button[data-action="candidate"]');
      expectFailures = true;
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('.leaflet-marker-pane .zb-candidate').length === 3
        || !document.getElementById('scenario-error').hidden, null, { timeout: 5000 });
      await page.waitForFunction(() => document.body.dataset.busy === '0');
      expectFailures = false;
      const refused = await page.isVisible('#scenario-error');
      if (refused) {
        assert.match(await page.innerText('#scenario-error'), /ce point est à plus de .* m de toute route/);
      } else {
        await waitDiff(page);
        assert.match(await page.innerText('#changes'), /Site candidat 3/);
      }
      console.log(`keyboard: a candidate in commune ${code}: ${refused ? 'refused (off the roads), in French' : 'placed, diff shown'}`);
      await page.click('#commune-box button[data-action="close"]');
      // Enter on a site's marker opens its popup with the focus on its button.
      await page.focus('.leaflet-marker-pane .zb-site.zb-current:not(.zb-candidate)');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.leaflet-popup button');
      assert.match(await page.evaluate(() => document.activeElement.textContent), /Fermer ce site|Rouvrir ce site/);
      await page.keyboard.press('Escape');
      await page.waitForSelector('.leaflet-popup', { state: 'detached' });
    });

    await t.test('best sites', async () => {
      await page.fill('#best-k', '1');
      await page.click('#best');
      await page.waitForSelector('#best-list li strong, #best-list li.error', { timeout: 10000 });
      const text = await page.innerText('#best-list');
      assert.doesNotMatch(text, /Pas de proposition/, text);
      assert.equal(await page.locator('.leaflet-marker-pane .zb-pick').count(), 1);
    });

    await t.test('export links answer', async () => {
      const hrefs = await page.$$eval('#exports a', (as) => as.map((a) => a.getAttribute('href')));
      assert.equal(hrefs.length, 6);
      for (const h of hrefs) {
        assert.ok(!h.startsWith('/') && !/^[a-z]+:/.test(h), `relative link: ${h}`);
        const r = await page.request.get(new URL(h, url).href);
        assert.equal(r.status(), 200, h);
        assert.match(r.headers()['content-disposition'] || '', /attachment/, h);
      }
    });

    await t.test('saved scenarios: save, list, open, delete', async () => {
      const list = await page.innerText('#saved-list');
      if (/pas de base de scénarios/.test(list)) {
        t.diagnostic('server without a scenario database: skipped');
        return;
      }
      const name = 'Essai navigateur (synthétique)';
      await page.fill('#scenario-name', name);
      await page.click('#save-scenario');
      const item = page.locator('#saved-list li', { hasText: name });
      await item.waitFor({ timeout: 5000 });
      await page.click('#clear-scenario');
      await page.waitForSelector('#diff', { state: 'hidden' });
      await item.locator('button[data-open]').click();
      await waitDiff(page);
      assert.match(await page.innerText('#changes'), /Site candidat 1/);
      await item.locator('button[data-delete]').click();
      await item.waitFor({ state: 'detached', timeout: 5000 });
    });

    await t.test('secret counts are shown as « secret », never as 0 nor as "< 11"', async () => {
      // The study has no small count (safe units): make the API answer one, as an older
      // server would. A suppressed count may be small or hidden to protect another (of any
      // size): the API does not say which, nor does the page.
      const p2 = await context.newPage();
      await p2.route('**/api/coverage?*', async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        body.summary.within_weight = null;
        body.summary.within_share = null;
        body.summary.secret = true;
        body.communes[0].within = null;
        body.communes[0].secret = true;
        await route.fulfill({ response: res, json: body });
      });
      await p2.goto(url);
      await p2.waitForSelector('body[data-ready="1"]');
      assert.equal(await p2.innerText('#summary [data-key="within"] dd'), 'secret');
      assert.match(await p2.getAttribute('#summary [data-key="within"] dd', 'title'), /secret statistique/);
      const first = await p2.$eval('#communes tbody tr', (tr) => tr.innerText);
      assert.match(first, /\bsecret\b/);
      assert.doesNotMatch(await p2.innerText('body'), /< 11/);
      await p2.close();
    });

    await t.test('at 1280×720 the legend starts folded and the territory fits', async () => {
      const p3 = await context.newPage();
      await p3.setViewportSize({ width: 1280, height: 720 });
      await p3.goto(url);
      await p3.waitForSelector('body[data-ready="1"]');
      await p3.waitForSelector('body[data-roads="1"]');
      const geo = () => p3.evaluate((ext) => {
        const m = window.zb.map;
        const box = document.getElementById('map').getBoundingClientRect();
        const [w, s, e, n] = ext;
        const corners = [[n, w], [n, e], [s, w], [s, e]].map((c) => m.latLngToContainerPoint(c));
        const lg = document.getElementById('legend-box').getBoundingClientRect();
        return {
          size: { x: box.width, y: box.height },
          corners: corners.map((p) => ({ x: p.x, y: p.y })),
          legend: { x0: lg.left - box.left, y0: lg.top - box.top, x1: lg.right - box.left, y1: lg.bottom - box.top },
          expanded: document.getElementById('legend-toggle').getAttribute('aria-expanded'),
          legendHidden: document.getElementById('legend').hidden,
        };
      }, territory.extent);
      const g = await geo();
      assert.equal(g.expanded, 'false', 'legend folded');
      assert.equal(g.legendHidden, true);
      const xs = g.corners.map((c) => c.x);
      const ys = g.corners.map((c) => c.y);
      const ext = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
      assert.ok(ext.x0 >= 0 && ext.y0 >= 0 && ext.x1 <= g.size.x && ext.y1 <= g.size.y, `territory ${JSON.stringify(ext)} inside the map ${JSON.stringify(g.size)}`);
      const under = ext.x1 > g.legend.x0 && ext.y1 > g.legend.y0;
      assert.ok(!under, `the folded legend ${JSON.stringify(g.legend)} covers no part of the territory's box ${JSON.stringify(ext)}`);
      await shot(p3, 'map-1280x720.png');
      await p3.click('#legend-toggle');
      assert.equal(await p3.getAttribute('#legend-toggle', 'aria-expanded'), 'true');
      assert.match(await p3.innerText('#legend'), /Temps de trajet/);
      await shot(p3, 'map-1280x720-legend.png');
      await p3.click('#legend-toggle');
      assert.equal(await p3.isHidden('#legend'), true, 'folds again');
      await p3.close();
    });

    await t.test('at 1440×900 the open legend covers no part of the territory', async () => {
      await fitTerritory();
      const r = await page.evaluate((ext) => {
        const m = window.zb.map;
        const box = document.getElementById('map').getBoundingClientRect();
        const lg = document.getElementById('legend-box').getBoundingClientRect();
        const [w, s, e, n] = ext;
        const ne = m.latLngToContainerPoint([n, e]);
        const sw = m.latLngToContainerPoint([s, w]);
        return { open: !document.getElementById('legend').hidden, right: ne.x, legendLeft: lg.left - box.left, top: ne.y, bottom: sw.y, h: box.height };
      }, territory.extent);
      assert.ok(r.open, 'legend open on a large window');
      assert.ok(r.right <= r.legendLeft + 1, `territory right edge ${r.right} left of the legend ${r.legendLeft}`);
      assert.ok(r.top >= 0 && r.bottom <= r.h, `north and south shown: ${JSON.stringify(r)}`);
    });

    await t.test('still no failed request, no error', () => {
      assert.deepEqual(failed, [], 'failed requests');
      assert.deepEqual(foreign, [], 'requests leaving the server');
      assert.deepEqual(errors, [], 'errors in the page');
    });
  } finally {
    try {
      await shot(page, 'map-last.png');
    } catch (_) { /* the page may be gone */ }
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    console.log(`screenshots in ${artifactDir}: map-1440x900.png (start), map-1280x720.png (legend folded), map-1280x720-legend.png, map-commune.png (search), map.png (after a candidate), map-last.png`);
  }
});

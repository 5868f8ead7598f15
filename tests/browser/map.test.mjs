// Browser test of the map page: Debian's chromium driven by playwright-core (no browser is
// downloaded) against a zoneblanche server already listening on 127.0.0.1.
//
//   node tests/browser/map.test.mjs http://127.0.0.1:PORT/ ARTIFACT_DIR
//
// Run by `cargo test` through crates/server/tests/browser.rs, which starts the server on the
// Monaco example study. Checks: the page loads with no failed request and no request leaving
// 127.0.0.1, the map and numbers are shown within 2 s of navigation, sites, zones, roads,
// communes, the legend, the scale and the commune table are drawn, moving the threshold changes
// the numbers, a click on the map adds a candidate site and the diff appears within 300 ms,
// "best sites", exports and saved scenarios work. Writes ARTIFACT_DIR/map.png.
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
const body0 = (rows) => rows[0] || '';
const api = async (p, init) => {
  const r = await fetch(new URL(`api/${p}`, url), init);
  assert.equal(r.status, 200, `GET api/${p}: ${r.status}`);
  return r.json();
};

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
  page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  const whatifUrls = [];
  page.on('request', (r) => {
    const u = r.url();
    if (u.includes('/api/whatif')) whatifUrls.push(u);
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  const territory = await api('territory');
  const sites = await api('sites');

  try {
    await t.test('loads, usable within 2 s, no failed or foreign request', async () => {
      const t0 = Date.now();
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
      const usable = Date.now() - t0;
      const readyAt = await page.evaluate(() => window.zb.readyAt);
      console.log(`usable after ${usable} ms from navigation (page's own clock: ${Math.round(readyAt)} ms after navigation start)`);
      await page.waitForLoadState('networkidle');
      assert.deepEqual(failed, [], 'failed requests');
      assert.deepEqual(foreign, [], 'requests leaving the server');
      assert.deepEqual(errors, [], 'errors in the page');
      assert.ok(usable <= USABLE_BUDGET_MS, `usable after ${usable} ms > ${USABLE_BUDGET_MS} ms`);
    });

    await t.test('map, numbers, legend, scale and table are drawn', async () => {
      const n = await page.evaluate(() => ({
        sites: document.querySelectorAll('.leaflet-marker-pane .zb-site').length,
        zones: document.querySelectorAll('.leaflet-zones-pane path.zb-zone').length,
        communes: document.querySelectorAll('.leaflet-communes-pane path.zb-commune').length,
        roadCanvas: document.querySelectorAll('.leaflet-roads-pane canvas').length,
        demandCanvas: document.querySelectorAll('.leaflet-demand-pane canvas').length,
        roads: window.zb.map.getPane('roads') && document.querySelector('.leaflet-roads-pane canvas')?.width,
        rows: document.querySelectorAll('#communes tbody tr').length,
        legend: document.getElementById('legend')?.innerText || '',
        scale: document.querySelector('.leaflet-control-scale-line')?.innerText || '',
        summary: document.getElementById('summary').innerText,
        banner: !document.getElementById('synthetic-banner').hidden,
        body: document.body.innerText,
      }));
      console.log(`drawn: ${n.sites} sites, ${n.zones} zones, ${n.communes} communes, ${n.rows} table rows; scale ${n.scale}`);
      assert.equal(n.sites, sites.features.length, 'one marker per site');
      assert.ok(n.zones >= 1, 'zones blanches drawn');
      assert.equal(n.communes, territory.communes, 'one outline per commune');
      assert.equal(n.rows, territory.communes, 'one table row per commune');
      assert.equal(n.roadCanvas, 1, 'roads drawn on a canvas');
      assert.ok(n.roads > 0, 'roads canvas has a size');
      assert.equal(n.demandCanvas, 1, 'demand drawn on a canvas');
      assert.match(n.legend, /Temps de trajet/);
      assert.match(n.legend, /zone blanche/);
      assert.match(n.scale, /\d+ (m|km)/);
      assert.match(n.summary, /Dans le seuil/);
      // The two reasons of unreachable, in French, with the study's snapping limit; ferries.
      assert.equal(territory.max_snap_m, 1000, "the Monaco study's snapping limit");
      assert.match(n.summary, /hors réseau routier \(à plus de 1\s000 m d'une route\)/);
      assert.match(n.summary, /sans liaison routière vers un service \(île sans bac, réseau isolé\)/);
      assert.match(n.summary, /dont par bac/);
      assert.equal(n.banner, territory.synthetic, 'synthetic banner iff the study is synthetic');
      if (sites.features.some((f) => f.properties.synthetic)) {
        assert.match(n.legend, /synthétique/);
        assert.ok(await page.locator('.zb-site.zb-synthetic').count() > 0, 'synthetic sites marked');
      }
      assert.doesNotMatch(n.body, /\b(undefined|NaN|null)\b/, 'no raw JS values shown');
      await page.screenshot({ path: path.join(artifactDir, 'map-initial.png') });
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

    // The kind with the most weight beyond its threshold, and that weight's heaviest unit.
    let target = null;
    for (const k of territory.kinds) {
      const d = await api(`layers/demand?kind=${k.kind}`);
      for (const f of d.features) {
        const p = f.properties;
        if (p.status === 'beyond' && f.geometry && (!target || (p.weight || 0) > target.weight)) {
          target = { kind: k.kind, weight: p.weight || 0, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] };
        }
      }
    }
    assert.ok(target, 'the study has demand beyond a threshold somewhere');

    await t.test('a click adds a candidate and the diff appears within 300 ms', async () => {
      await page.selectOption('#kind', target.kind);
      await page.waitForSelector(`#summary[data-kind="${target.kind}"]`);
      await page.waitForFunction(() => document.body.dataset.busy === '0');
      const pt = await page.evaluate(([lat, lon]) => {
        const p = window.zb.map.latLngToContainerPoint([lat, lon]);
        return { x: p.x, y: p.y };
      }, [target.lat, target.lon]);
      const t0 = Date.now();
      await page.locator('#map').click({ position: pt });
      await page.waitForSelector('#diff[data-ms]', { timeout: 5000 });
      const seen = Date.now() - t0;
      const ms = Number(await page.getAttribute('#diff', 'data-ms'));
      console.log(`diff shown ${ms} ms after the click (page's clock; ${seen} ms seen by the test)`);
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
      for (const u of whatifUrls) {
        assert.equal(new URL(u).searchParams.get('kind'), target.kind, u);
        assert.equal(new URL(u).searchParams.get('before'), 'thresholds', u);
      }
      await page.mouse.move(5, 5);
      await page.evaluate(() => {
        document.activeElement?.blur();
        document.getElementById('diff').scrollIntoView({ block: 'center' });
      });
      await page.screenshot({ path: path.join(artifactDir, 'map.png') });
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
      // One what-if request for the new threshold, compared at that threshold.
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
      await page.waitForSelector('#diff[data-ms]', { timeout: 5000 });
      assert.match(await page.innerText('#changes'), /Site candidat 1/);
      await item.locator('button[data-delete]').click();
      await item.waitFor({ state: 'detached', timeout: 5000 });
    });

    await t.test('secret counts are shown as secret, never as 0', async () => {
      // The study has no small count (safe units): make the API answer one, as an older server would.
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
      const within = await p2.innerText('#summary [data-key="within"] dd');
      assert.equal(within, '< 11 (secret statistique)');
      const code = body0(await p2.$$eval('#communes tbody tr', (trs) => trs.map((tr) => tr.innerText)));
      assert.match(code, /< 11 \(secret statistique\)/);
      await p2.close();
    });

    await t.test('still no failed request, no error', () => {
      assert.deepEqual(failed, [], 'failed requests');
      assert.deepEqual(foreign, [], 'requests leaving the server');
      assert.deepEqual(errors, [], 'errors in the page');
    });
  } finally {
    try {
      await page.screenshot({ path: path.join(artifactDir, 'map-last.png') });
    } catch (_) { /* the page may be gone */ }
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    console.log(`screenshots: ${path.join(artifactDir, 'map.png')} (after a candidate), map-initial.png, map-last.png`);
  }
});

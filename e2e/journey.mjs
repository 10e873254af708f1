// A reader's journey through the public site in a real (headless) Chromium, against a running ldp.
//
//   BASE_URL=http://127.0.0.1:PORT node journey.mjs
//
// Steps: home in Turkish and in English (chosen by Accept-Language at `/`), the language switch link both
// ways, the networks list and one network, the municipalities list, the province filter (Bursa, submitted
// as a reader would), one municipality (Bursa); from its relations section one sister-city relation, back,
// the "show on the map" link (the SVG must draw arcs); the relations list filtered by province through its
// form, and its CSV download (200, text/csv); then the municipalities filter with JavaScript turned off. From home
// the relations figure leads to the map: the Europe view and the world view beside it, countries labelled with
// counts, the key, no jargon, the table paged (page 2, "show all" listing every relation). On a phone (390×844):
// the lists stack into cards with labelled values, the map is at least 250 px tall with its phone labels, and with
// JavaScript off the header is at most 80 px and its <details> menu opens and leads to the map. A full-page
// screenshot of each step (1280 px wide) and phone-sized ones go to out/screenshots/ (phone.mjs reviews every
// page kind at phone width).
//
// Fails (exit 1) on any console error or uncaught page error, any failed request, any response >= 400
// during the journey, an expectation about a page that does not hold, and any same-origin link (every
// `a[href]` on every visited page) that does not answer < 400.

import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, checks, launch, DESKTOP, PHONE } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots');
const BASE = baseUrl();
const ORIGIN = new URL(BASE).origin;

rmSync(SHOTS, { recursive: true, force: true });
mkdirSync(SHOTS, { recursive: true });

const { problems, problem, expect } = checks({ step: () => step });
const links = new Map(); // absolute url (no fragment) -> Set of pages linking to it
let step = 'start';
let shotCount = 0;

/** Listens to everything a page does that the journey must not see. */
function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      problem('console error', `${msg.text()}${loc && loc.url ? ` (at ${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => problem('page error', String(err && err.stack ? err.stack : err)));
  page.on('requestfailed', (req) =>
    problem('request failed', `${req.method()} ${req.url()}: ${req.failure() ? req.failure().errorText : '?'}`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) problem('HTTP error', `${res.request().method()} ${res.url()} -> ${res.status()}`);
  });
}

async function newPage(browser, options) {
  const context = await browser.newContext({ javaScriptEnabled: true, ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  watch(page);
  return page;
}

/** Remembers every same-origin link of the page for the broken-link pass. */
async function collectLinks(page) {
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
  const from = page.url();
  for (const href of hrefs) {
    let u;
    try {
      u = new URL(href);
    } catch {
      problem('bad link', `unparsable href ${JSON.stringify(href)} on ${from}`);
      continue;
    }
    if (u.origin !== ORIGIN) continue;
    u.hash = '';
    const key = u.toString();
    if (!links.has(key)) links.set(key, new Set());
    links.get(key).add(from);
  }
}

async function shot(page, name) {
  shotCount += 1;
  const file = join(SHOTS, `${String(shotCount).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  📷 ${file}`);
}

/** One step: names it, runs it, records (instead of throwing) anything that goes wrong in it. */
async function run(name, fn) {
  step = name;
  console.log(`- ${name}`);
  try {
    await fn();
  } catch (err) {
    problem('step failed', String(err && err.message ? err.message : err).split('\n').slice(0, 6).join(' | '));
  }
}

async function htmlLang(page) {
  return page.getAttribute('html', 'lang');
}

function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/** Clicks `locator` and waits for the page it leads to to finish loading. */
async function follow(page, locator, urlPattern) {
  await Promise.all([page.waitForURL(urlPattern, { waitUntil: 'load' }), locator.click()]);
  await collectLinks(page);
}

async function open(page, path) {
  const res = await page.goto(BASE + path, { waitUntil: 'load' });
  expect(res && res.status() < 400, `GET ${path} answered ${res ? res.status() : 'nothing'}`);
  await collectLinks(page);
  return res;
}

const started = Date.now();
const browser = await launch();
console.log(`Chromium ${browser.version()} against ${BASE}`);

try {
  // ---------------------------------------------------------------- home, both languages, language switch
  const tr = await newPage(browser, { ...DESKTOP, locale: 'tr-TR', extraHTTPHeaders: { 'Accept-Language': 'tr-TR,tr;q=0.9' } });
  await run('home (Turkish, from / by Accept-Language)', async () => {
    await open(tr, '/');
    expect(pathOf(tr) === '/tr/', `/ with Accept-Language tr should land on /tr/, landed on ${pathOf(tr)}`);
    expect((await htmlLang(tr)) === 'tr', `html lang should be tr, is ${await htmlLang(tr)}`);
    expect(await tr.locator('h1').first().isVisible(), 'home has a visible h1');
    const links = tr.locator('.stats a.stat-links');
    const count = Number((await links.locator('strong').textContent()).replace(/\D/g, ''));
    expect(count > 0, `home shows the number of sister-city relations, shows ${count}`);
    expect((await links.getAttribute('href')) === '/tr/map', 'the relations figure on home leads to /tr/map');
    await shot(tr, 'home-tr');
  });
  await run('home: the relations figure leads to the map (Europe and the world, labels, key, paged table)', async () => {
    const count = Number((await tr.locator('.stats a.stat-links strong').textContent()).replace(/\D/g, ''));
    await follow(tr, tr.locator('.stats a.stat-links'), /\/tr\/map$/);
    expect(await tr.locator('svg.map-view.europe').isVisible(), 'the Europe and Middle East view is visible');
    expect(await tr.locator('svg.map-view.world').isVisible(), 'the world view is visible beside it');
    const box = await tr.locator('svg.map-view.europe').boundingBox();
    expect(box && box.width > 600 && box.height > 300, `the Europe view is drawn large at 1280px, is ${box ? `${Math.round(box.width)}×${Math.round(box.height)}` : 'not laid out'}`);
    const labels = await tr.locator('svg.europe .labels.wide text').allTextContents();
    expect(labels.length >= 10 && labels.every((l) => /\S \d+$/.test(l)), `countries are labelled with their counts: ${labels.slice(0, 5).join(', ')}…`);
    expect(await tr.locator('svg.europe .labels.wide text').first().isVisible(), 'the wide-screen labels show at 1280px');
    expect(!(await tr.locator('svg.europe .labels.narrow text').first().isVisible()), 'the phone labels are hidden at 1280px');
    expect((await tr.locator('.map-legend .legend li').count()) === 4, 'the key names the four marks');
    const body = (await tr.locator('main').textContent()).toLowerCase();
    expect(!/büyük daire|eşdikdörtgen|izdüşüm/.test(body), 'no map jargon in the captions');
    expect((await tr.locator('svg .arcs path').count()) === count, `the map draws one arc per relation counted on home (${count})`);
    expect((await tr.locator('table.partnerships tbody tr').count()) === 25, 'the table under the map shows its first 25 rows');
    await shot(tr, 'map-tr');
    await follow(tr, tr.locator('.pagination a[rel=next]'), (u) => u.searchParams.get('page') === '2');
    expect((await tr.locator('table.partnerships tbody tr').count()) === 25, 'page 2 of the table has 25 rows');
    await follow(tr, tr.locator('a.show-all'), (u) => u.searchParams.get('all') === '1');
    const rows = await tr.locator('table.partnerships tbody tr').count();
    expect(rows === count, `"show all" lists every relation: ${rows} rows, ${count} relations`);
    await tr.goto(`${BASE}/tr/`, { waitUntil: 'load' });
  });
  await run('language switch tr -> en', async () => {
    await follow(tr, tr.locator('a.lang-switch'), /\/en\/$/);
    expect((await htmlLang(tr)) === 'en', `after the switch html lang should be en, is ${await htmlLang(tr)}`);
    await shot(tr, 'home-en-via-switch');
  });
  await tr.context().close();

  const en = await newPage(browser, { ...DESKTOP, locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en-GB,en;q=0.9' } });
  await run('home (English, from / by Accept-Language)', async () => {
    await open(en, '/');
    expect(pathOf(en) === '/en/', `/ with Accept-Language en should land on /en/, landed on ${pathOf(en)}`);
    expect((await htmlLang(en)) === 'en', `html lang should be en, is ${await htmlLang(en)}`);
    await shot(en, 'home-en');
  });
  await run('language switch en -> tr', async () => {
    await follow(en, en.locator('a.lang-switch'), /\/tr\/$/);
    expect((await htmlLang(en)) === 'tr', `after the switch html lang should be tr, is ${await htmlLang(en)}`);
    await shot(en, 'home-tr-via-switch');
  });

  // ---------------------------------------------------------------- networks (in Turkish, reached by the switch)
  const page = en;
  await run('networks list (main navigation)', async () => {
    await follow(page, page.locator('nav.main-nav a[href="/tr/networks"]'), /\/tr\/networks$/);
    const n = await page.locator('main a[href^="/tr/networks/"]').count();
    expect(n >= 8, `networks list should link at least 8 networks, links ${n}`);
    await shot(page, 'networks-tr');
  });
  await run('one network', async () => {
    const first = page.locator('main a[href^="/tr/networks/"]').first();
    const href = await first.getAttribute('href');
    await follow(page, first, (u) => u.pathname === href);
    expect(await page.locator('h1').first().isVisible(), `${href} has a visible h1`);
    await shot(page, `network-${href.split('/').pop()}`);
  });

  // ---------------------------------------------------------------- municipalities
  await run('municipalities list (main navigation)', async () => {
    await follow(page, page.locator('nav.main-nav a[href="/tr/municipalities"]'), /\/tr\/municipalities$/);
    const rows = await page.locator('table.municipalities tbody tr').count();
    expect(rows > 0, `municipalities list should show rows, shows ${rows}`);
    await shot(page, 'municipalities-tr');
  });
  await run('filter by province Bursa (16) and submit', async () => {
    await page.selectOption('#f-province', '16');
    await follow(page, page.locator('form.filters button[type="submit"]'), (u) => u.searchParams.get('province') === '16');
    expect((await page.inputValue('#f-province')) === '16', 'the province select keeps Bursa selected');
    const provinces = await page.$$eval('table.municipalities tbody tr td:nth-of-type(2)', (tds) =>
      tds.map((td) => td.textContent.trim()),
    );
    expect(provinces.length > 0, 'the Bursa filter should list municipalities');
    const other = provinces.filter((p) => p !== 'Bursa');
    expect(other.length === 0, `every listed municipality should be in Bursa; others: ${[...new Set(other)].join(', ')}`);
    await shot(page, 'municipalities-tr-bursa');
  });
  await run('one municipality (Bursa, from the filtered list)', async () => {
    const bursa = page.locator('table.municipalities tbody a[href="/tr/municipalities/bursa"]');
    expect((await bursa.count()) === 1, 'the Bursa filter lists /tr/municipalities/bursa once');
    await follow(page, bursa.first(), (u) => u.pathname === '/tr/municipalities/bursa');
    expect(await page.locator('h1').first().isVisible(), '/tr/municipalities/bursa has a visible h1');
    expect(await page.locator('#relations-title').isVisible(), 'the municipality page has a relations section (#relations-title)');
    await shot(page, 'municipality-bursa');
  });

  // ---------------------------------------------------------------- sister-city relations, from the municipality
  const relations = page.locator('section[aria-labelledby="relations-title"]');
  await run('one relation (from the municipality relations table)', async () => {
    const rows = await relations.locator('table.partnerships tbody tr').count();
    expect(rows > 0, `Bursa's relations table should have rows, has ${rows}`);
    const first = relations.locator('table.partnerships tbody a[href^="/tr/partnerships/"]').first();
    const href = await first.getAttribute('href');
    expect(/^\/tr\/partnerships\/\d+$/.test(href || ''), `a relation link looks like /tr/partnerships/ID, is ${href}`);
    await follow(page, first, (u) => u.pathname === href);
    expect(await page.locator('h1').first().isVisible(), `${href} has a visible h1`);
    for (const id of ['sides-title', 'trail-title', 'activities-title', 'documents-title']) {
      expect(await page.locator(`#${id}`).isVisible(), `${href} shows its section #${id}`);
    }
    expect(
      (await page.locator('a[href="/tr/municipalities/bursa"]').count()) > 0,
      `${href} links back to its member municipality /tr/municipalities/bursa`,
    );
    await shot(page, `partnership-${href.split('/').pop()}`);
  });
  await run('back to the municipality', async () => {
    await page.goBack({ waitUntil: 'load' });
    expect(pathOf(page) === '/tr/municipalities/bursa', `back should return to /tr/municipalities/bursa, is at ${pathOf(page)}`);
  });
  await run('the relations on the map (municipality link "show on the map")', async () => {
    const onMap = relations.locator('a[href="/tr/map?municipality=bursa"]');
    expect((await onMap.count()) === 1, 'the relations section links /tr/map?municipality=bursa once');
    await follow(page, onMap.first(), (u) => u.pathname === '/tr/map' && u.searchParams.get('municipality') === 'bursa');
    const svg = page.locator('svg.map-view.europe');
    expect(await svg.isVisible(), 'the map SVG is visible');
    const arcs = await page.locator('svg .arcs path').count();
    expect(arcs >= 1, `the map should draw at least one arc (svg .arcs path), draws ${arcs}`);
    const box = await svg.boundingBox();
    expect(box && box.width > 300 && box.height > 150, `the map SVG should be drawn at a readable size, is ${box ? `${Math.round(box.width)}×${Math.round(box.height)}` : 'not laid out'}`);
    let rows = await page.locator('table.partnerships tbody tr').count();
    expect(rows === Math.min(arcs, 25), `the table below the map should list the first 25 arcs' rows: ${rows} rows, ${arcs} arcs`);
    expect((await page.inputValue('#f-municipality')) === 'bursa', 'the map filter form keeps municipality=bursa');
    await shot(page, 'map-tr-bursa');
    if ((await page.locator('a.show-all').count()) > 0) {
      await follow(page, page.locator('a.show-all'), (u) => u.searchParams.get('all') === '1' && u.searchParams.get('municipality') === 'bursa');
      rows = await page.locator('table.partnerships tbody tr').count();
      expect(rows === arcs, `with "show all" the table (the map's text alternative) lists one row per arc: ${rows} rows, ${arcs} arcs`);
      await page.goBack({ waitUntil: 'load' });
    }
  });
  await run('relations list (main navigation), filtered by province Bursa (16) and submitted', async () => {
    await follow(page, page.locator('nav.main-nav a[href="/tr/partnerships"]'), /\/tr\/partnerships$/);
    await page.selectOption('#f-province', '16');
    await follow(page, page.locator('form.filters button[type="submit"]'), (u) => u.pathname === '/tr/partnerships' && u.searchParams.get('province') === '16');
    expect((await page.inputValue('#f-province')) === '16', 'the province select keeps Bursa selected');
    const rows = await page.locator('table.partnerships tbody tr').count();
    expect(rows > 0, `the Bursa filter should list relations, lists ${rows}`);
    await shot(page, 'partnerships-tr-bursa');
  });
  await run('download the CSV of the filtered relations', async () => {
    const link = page.locator('a[href^="/tr/partnerships.csv"]');
    expect((await link.count()) === 1, 'the filtered list has one CSV link');
    const href = await link.first().getAttribute('href');
    expect(new URL(href, BASE).searchParams.get('province') === '16', `the CSV link keeps the filter (province=16): ${href}`);
    // Clicked as a reader would: the browser must treat it as a download.
    const [download] = await Promise.all([page.waitForEvent('download'), link.first().click()]);
    const failure = await download.failure();
    expect(failure === null, `the CSV download failed: ${failure}`);
    await download.saveAs(join(OUT, 'partnerships-tr-bursa.csv'));
    // Status and type, asked once more with the page's own cookies.
    const res = await page.context().request.get(new URL(href, BASE).toString());
    expect(res.status() === 200, `GET ${href} answered ${res.status()}, expected 200`);
    const type = res.headers()['content-type'] || '';
    expect(/^text\/csv\b/.test(type), `GET ${href} has Content-Type ${JSON.stringify(type)}, expected text/csv`);
    const lines = (await res.text()).split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines.length >= 2, `the CSV should have a header and at least one row, has ${lines.length} line(s)`);
    console.log(`  ⤓ ${href}: ${res.status()} ${type}, ${lines.length - 1} row(s), saved as ${join(OUT, 'partnerships-tr-bursa.csv')}`);
  });
  await page.context().close();

  // ---------------------------------------------------------------- the same filter with JavaScript off
  const nojs = await newPage(browser, { ...DESKTOP, javaScriptEnabled: false, locale: 'en-GB' });
  await run('filter by province Bursa without JavaScript (English)', async () => {
    await open(nojs, '/en/municipalities');
    await nojs.selectOption('#f-province', '16');
    await follow(nojs, nojs.locator('form.filters button[type="submit"]'), (u) => u.searchParams.get('province') === '16');
    const rows = await nojs.locator('table.municipalities tbody tr').count();
    expect(rows > 0, `without JavaScript the Bursa filter should list municipalities, lists ${rows}`);
    await shot(nojs, 'municipalities-en-bursa-nojs');
  });
  await nojs.context().close();

  // ---------------------------------------------------------------- phone
  const phone = await newPage(browser, { ...PHONE, locale: 'tr-TR', extraHTTPHeaders: { 'Accept-Language': 'tr' } });
  for (const [name, path] of [
    ['phone-home-tr', '/tr/'],
    ['phone-municipalities-tr', '/tr/municipalities'],
    ['phone-map-tr-bursa', '/tr/map?municipality=bursa'],
  ]) {
    await run(`${name} (390×844)`, async () => {
      await open(phone, path);
      await shot(phone, name);
    });
  }
  await run('phone: the lists stack into cards, each value under its column name', async () => {
    await open(phone, '/tr/municipalities');
    const card = phone.locator('table.municipalities tbody tr').first();
    const box = await card.boundingBox();
    expect(box && box.width <= 390, `a municipality card fits the screen, is ${box ? Math.round(box.width) : '?'}px wide`);
    const population = card.locator('td[data-label]').last();
    expect(await population.isVisible(), 'the population is visible on the card');
    const label = await population.evaluate((td) => getComputedStyle(td, '::before').content);
    expect(/Nüfus/.test(label), `the population is labelled on the card, label ${label}`);
  });
  await run('phone: the map is large enough to read, with labels for phones', async () => {
    await open(phone, '/tr/map');
    const box = await phone.locator('svg.map-view.europe').boundingBox();
    expect(box && box.height >= 250, `the Europe view is at least 250px tall on a phone, is ${box ? `${Math.round(box.width)}×${Math.round(box.height)}` : '?'}`);
    expect(await phone.locator('svg.europe .labels.narrow text').first().isVisible(), 'the phone labels show');
    expect(!(await phone.locator('svg.europe .labels.wide text').first().isVisible()), 'the wide-screen labels are hidden');
    await shot(phone, 'phone-map-tr');
  });
  await phone.context().close();

  const phoneNoJs = await newPage(browser, { ...PHONE, javaScriptEnabled: false, locale: 'tr-TR' });
  await run('phone without JavaScript: a compact header whose menu opens and leads on', async () => {
    await open(phoneNoJs, '/tr/');
    const header = await phoneNoJs.locator('header.site-header').boundingBox();
    expect(header && header.height <= 80, `the header is at most 80px tall on a phone, is ${header ? Math.round(header.height) : '?'}px`);
    expect(!(await phoneNoJs.locator('nav.main-nav').isVisible()), 'the wide-screen navigation is folded away');
    const map = phoneNoJs.locator('details.site-menu nav a[href="/tr/map"]');
    expect(!(await map.isVisible()), 'the menu is closed at first');
    await phoneNoJs.locator('details.site-menu > summary').click();
    expect(await map.isVisible(), 'tapping "Menü" opens the menu');
    await shot(phoneNoJs, 'phone-menu-open-nojs');
    await follow(phoneNoJs, map, /\/tr\/map$/);
    expect(await phoneNoJs.locator('svg.map-view.europe').isVisible(), 'the menu led to the map');
  });
  await phoneNoJs.context().close();
} finally {
  await browser.close();
}

// -------------------------------------------------------------------- broken links
step = 'broken links';
console.log(`- broken links: checking ${links.size} same-origin links`);
async function status(url) {
  try {
    const head = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(10_000) });
    if (head.status < 400) return head.status;
    const get = await fetch(url, { method: 'GET', redirect: 'follow', signal: AbortSignal.timeout(10_000) });
    await get.arrayBuffer();
    return get.status;
  } catch (err) {
    return `no answer (${err.message})`;
  }
}
const queue = [...links.keys()];
let broken = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      const s = await status(url);
      if (typeof s !== 'number' || s >= 400) {
        broken += 1;
        problem('broken link', `${url} -> ${s}; linked from ${[...links.get(url)].join(', ')}`);
      }
    }
  }),
);

const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `journey: ${shotCount} screenshots in ${SHOTS}, ${links.size} links checked (${broken} broken), ` +
    `${problems.length} problem(s), ${secs} s`,
);
if (problems.length) {
  console.log('journey FAILED:');
  for (const p of problems) console.log(`  [${p.step}] ${p.kind}: ${p.detail}`);
  process.exit(1);
}
console.log('journey passed');

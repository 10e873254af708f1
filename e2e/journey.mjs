// A reader's journey through the public site in a real (headless) Chromium, against a running ldp.
//
//   BASE_URL=http://127.0.0.1:PORT node journey.mjs
//
// Steps: home in Turkish and in English (chosen by Accept-Language at `/`), the language switch link both
// ways, the networks list and one network, the municipalities list, the province filter (Bursa, submitted
// as a reader would), one municipality (Bursa); from its relations section one sister-city relation, back,
// the "show on the map" link (the SVG must draw arcs); the relations list filtered by province through its
// form, and its CSV download (200, text/csv); then the municipalities filter with JavaScript turned off. A full-page
// screenshot of each step (1280 px wide) and phone-sized (390×844) ones of home, municipalities and the map go to
// out/screenshots/.
//
// Fails (exit 1) on any console error or uncaught page error, any failed request, any response >= 400
// during the journey, an expectation about a page that does not hold, and any same-origin link (every
// `a[href]` on every visited page) that does not answer < 400.

import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, launch, DESKTOP, PHONE } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots');
const BASE = baseUrl();
const ORIGIN = new URL(BASE).origin;

rmSync(SHOTS, { recursive: true, force: true });
mkdirSync(SHOTS, { recursive: true });

const problems = []; // { step, kind, detail }
const links = new Map(); // absolute url (no fragment) -> Set of pages linking to it
let step = 'start';
let shotCount = 0;

function problem(kind, detail) {
  problems.push({ step, kind, detail });
  console.log(`  ✗ [${step}] ${kind}: ${detail}`);
}

function expect(cond, what) {
  if (!cond) problem('expectation', what);
}

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
    await shot(tr, 'home-tr');
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
    const svg = page.locator('figure.world-map svg');
    expect(await svg.isVisible(), 'the map SVG is visible');
    const arcs = await page.locator('svg .arcs path').count();
    expect(arcs >= 1, `the map should draw at least one arc (svg .arcs path), draws ${arcs}`);
    const box = await svg.boundingBox();
    expect(box && box.width > 300 && box.height > 150, `the map SVG should be drawn at a readable size, is ${box ? `${Math.round(box.width)}×${Math.round(box.height)}` : 'not laid out'}`);
    const rows = await page.locator('table.partnerships tbody tr').count();
    expect(rows === arcs, `the table below the map (its text alternative) should list one row per arc: ${rows} rows, ${arcs} arcs`);
    expect((await page.inputValue('#f-municipality')) === 'bursa', 'the map filter form keeps municipality=bursa');
    await shot(page, 'map-tr-bursa');
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
      // Against the configured width: with isMobile, window.innerWidth grows with a page that is too wide.
      const overflow = (await phone.evaluate(() => document.documentElement.scrollWidth)) - phone.viewportSize().width;
      if (overflow > 0) console.log(`  ! warning: ${path} is ${overflow}px wider than the 390px viewport`);
      await shot(phone, name);
    });
  }
  await phone.context().close();
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

// The phone-width review: every public and every workspace page kind of lib.mjs, in both languages, at 390×844
// in a real (headless) Chromium, against a running ldp with the e2e accounts.
//
//   BASE_URL=http://127.0.0.1:PORT LDP_E2E_ADMIN_EMAIL=… LDP_E2E_PASSWORD=… node phone.mjs
//
// For each page: a full-page screenshot in out/screenshots/phone/NAME.png (the workspace ones signed in as the
// admin, through the form), and these checks, measured in the browser:
// - the page is no wider than the screen (document.scrollingElement.scrollWidth and innerWidth <= 390; with a
//   mobile viewport Chromium widens the layout to fit a page that is too wide, so both are read);
// - nothing is cut off: no element hides content that does not fit across (overflow-x hidden or clip);
// - an element that scrolls sideways is a `.table-wrap`, whose edge shadows show that there is more (its
//   background images are checked to be there);
// - the site header is at most 80 px tall.
// The figures (page height, header height, widest scroller) go to out/phone-review.tsv.
//
// Fails (exit 1) on any of those, on a page answering another status than lib.mjs expects, and on a console
// error or uncaught page error.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, credentials, launch, pageKinds, signIn, workspaceKinds, PHONE } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots', 'phone');
const BASE = baseUrl();
const ACCOUNTS = credentials();
const WIDTH = PHONE.viewport.width;
const MAX_HEADER = 80;

rmSync(SHOTS, { recursive: true, force: true });
mkdirSync(SHOTS, { recursive: true });

const problems = [];
const rows = [['page', 'status', 'height_px', 'header_px', 'scrollers']];

function problem(page, detail) {
  problems.push(`${page}: ${detail}`);
  console.log(`  ✗ ${page}: ${detail}`);
}

/** Runs in the page: what sticks out, what is cut off, what scrolls and whether it shows it. */
function measure(width) {
  const name = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    return `${el.tagName.toLowerCase()}${id}${cls}`;
  };
  const found = [];
  const scrollers = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > width) found.push(`the page is ${doc.scrollWidth}px wide, wider than the ${width}px screen`);
  if (window.innerWidth > width) found.push(`the layout widened to ${window.innerWidth}px to fit the page`);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, .visually-hidden, .skip, details:not([open]) > :not(summary)')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.display === 'contents' || cs.visibility === 'hidden') continue;
    const over = el.scrollWidth - el.clientWidth;
    // A box of 1px or less that hides its content is the visually-hidden pattern (text for screen readers only).
    if (el.clientWidth <= 1 || over <= 1) continue;
    if (cs.overflowX === 'auto' || cs.overflowX === 'scroll') {
      scrollers.push(`${name(el)}+${over}`);
      const cue = el.matches('.table-wrap') && cs.backgroundImage.split('gradient').length - 1 >= 4;
      if (!cue) found.push(`${name(el)} scrolls ${over}px sideways without a visible cue`);
    } else if (cs.overflowX === 'hidden' || cs.overflowX === 'clip') {
      found.push(`${name(el)} cuts off ${over}px of its content`);
    }
  }
  const header = document.querySelector('header.site-header');
  return {
    found,
    scrollers,
    height: doc.scrollHeight,
    header: header ? Math.round(header.getBoundingClientRect().height) : null,
  };
}

async function review(page, { name, path, status }) {
  const res = await page.goto(BASE + path, { waitUntil: 'load' });
  const got = res ? res.status() : 0;
  if (got !== status) problem(name, `GET ${path} answered ${got}, expected ${status}`);
  const m = await page.evaluate(measure, WIDTH);
  for (const f of m.found) problem(name, f);
  if (m.header === null) problem(name, 'no header.site-header');
  else if (m.header > MAX_HEADER) problem(name, `the header is ${m.header}px tall (at most ${MAX_HEADER})`);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  rows.push([name, got, m.height, m.header, m.scrollers.join(' ')]);
  console.log(`  📱 ${name}: ${m.height}px tall, header ${m.header}px${m.scrollers.length ? `, scrolls: ${m.scrollers.join(' ')}` : ''}`);
}

function watch(page, label) {
  page.on('console', (msg) => {
    // A page expected to answer 404 logs its own "Failed to load resource".
    if (msg.type() === 'error' && !/Failed to load resource: .* 404/.test(msg.text())) problem(label(), `console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problem(label(), `page error: ${err}`));
}

const started = Date.now();
const browser = await launch();
console.log(`Chromium ${browser.version()} against ${BASE}, ${WIDTH}px wide`);
let current = 'start';
try {
  const visitor = await (await browser.newContext({ ...PHONE, locale: 'tr-TR' })).newPage();
  watch(visitor, () => current);
  for (const kind of pageKinds()) {
    current = kind.name;
    await review(visitor, kind).catch((e) => problem(kind.name, String(e.message || e).split('\n')[0]));
  }
  await visitor.context().close();

  const admin = await (await browser.newContext({ ...PHONE, locale: 'tr-TR' })).newPage();
  watch(admin, () => current);
  current = 'sign-in';
  const res = await signIn(admin, BASE, { email: ACCOUNTS.admin, password: ACCOUNTS.password });
  if (!res || new URL(admin.url()).pathname !== '/tr/workspace') problem('sign-in', `signing in as the admin led to ${admin.url()}`);
  for (const kind of workspaceKinds()) {
    current = kind.name;
    await review(admin, kind).catch((e) => problem(kind.name, String(e.message || e).split('\n')[0]));
  }
  await admin.context().close();
} finally {
  await browser.close();
}

writeFileSync(join(OUT, 'phone-review.tsv'), rows.map((r) => r.join('\t')).join('\n') + '\n');
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`phone: ${rows.length - 1} pages at ${WIDTH}px in ${SHOTS}, figures in ${join(OUT, 'phone-review.tsv')}, ${problems.length} problem(s), ${secs} s`);
if (problems.length) {
  console.log('phone FAILED:');
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
console.log('phone passed');

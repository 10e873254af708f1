// Accessibility: axe-core on every public page kind in both languages (lib.mjs pageKinds()), and on every
// workspace page kind (lib.mjs workspaceKinds()) signed in as the e2e admin, against a running ldp, for the
// WCAG 2.0/2.1 A and AA rules.
//
//   BASE_URL=http://127.0.0.1:PORT LDP_E2E_ADMIN_EMAIL=… LDP_E2E_REP_EMAIL=… LDP_E2E_PASSWORD=… node axe.mjs
//
// The public pages are checked without a session; then the admin signs in through the form (in a context of
// its own) and the workspace pages are checked with that session's cookie.
//
// The site's CSP forbids inline and injected scripts, so this run (and only this one) uses Playwright's
// `bypassCSP` to inject axe-core from node_modules. Each page is loaded with JavaScript as a browser would;
// axe judges the rendered page. Exit 1 on any violation (and on text axe finds drawn in its background's own
// colour, which it only marks for review), or when a page does not answer its expected status.

import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, credentials, launch, pageKinds, signIn, submit, workspaceKinds, DESKTOP, LANGS } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_VERSION = require('axe-core/package.json').version;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const BASE = baseUrl();
const ACCOUNTS = credentials();

const started = Date.now();
const browser = await launch();

async function newContext() {
  const context = await browser.newContext({ ...DESKTOP, bypassCSP: true });
  context.setDefaultTimeout(30_000);
  // The map pages (about 400 KB of SVG and table) and the compliance page are the largest: room to spare.
  context.setDefaultNavigationTimeout(60_000);
  return context;
}

const publicPages = pageKinds();
const signedInPages = workspaceKinds();
// Forms sent back with their errors (the page answers the POST): the new-representative form with a bad e-mail.
const errorPages = LANGS.map((lang) => ({
  name: `${lang}-ws-representative-error`,
  path: `/${lang}/workspace/municipalities/${ACCOUNTS.municipality}/representatives/new`,
  status: 400,
  fill: { '#f-name': 'E2E axe', '#f-email': 'not-an-e-mail' },
}));
const report = [];
let violationsTotal = 0;
let failedPages = 0;
console.log(
  `axe-core ${AXE_VERSION}, tags ${TAGS.join(', ')}, ${publicPages.length} public pages and ` +
    `${signedInPages.length + errorPages.length} workspace pages (signed in as ${ACCOUNTS.admin}), Chromium ${browser.version()}`,
);

async function check(page, pages, session) {
  for (const p of pages) {
    const entry = { ...p, session, violations: [], error: null, ms: 0 };
    report.push(entry);
    const pageStarted = Date.now();
    try {
      let res = await page.goto(BASE + p.path, { waitUntil: 'load' });
      if (p.fill) {
        // A form: filled in and sent; axe judges the page that answers.
        for (const [selector, value] of Object.entries(p.fill)) await page.fill(selector, value);
        res = await submit(page, page.locator('main form.form button[type="submit"]'));
      }
      const got = res ? res.status() : 0;
      if (got !== p.status) throw new Error(`answered ${got}, expected ${p.status}`);
      if (session !== 'none' && new URL(page.url()).pathname.endsWith('/sign-in')) throw new Error('was sent to the sign-in form');
      await page.addScriptTag({ path: AXE_PATH });
      const result = await page.evaluate(
        async (tags) => {
          // eslint-disable-next-line no-undef
          const r = await axe.run(document, {
            runOnly: { type: 'tag', values: tags },
            resultTypes: ['violations', 'incomplete'],
          });
          const found = r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
          }));
          // axe leaves text drawn in exactly its background's colour (1:1) for review instead of failing it:
          // here it is invisible text (a link on the header's colour, say), so it counts as a violation.
          for (const v of r.incomplete.filter((i) => i.id === 'color-contrast')) {
            const nodes = v.nodes.filter((n) => n.any.some((c) => / 1:1 contrast ratio/.test(c.message || '')));
            if (nodes.length) {
              found.push({
                id: 'color-contrast-1:1',
                impact: 'serious',
                help: 'Text must not have the colour of its background (axe: incomplete, 1:1 contrast ratio)',
                helpUrl: v.helpUrl,
                nodes: nodes.map((n) => ({ target: n.target, html: n.html, summary: n.any.map((c) => c.message).join(' ') })),
              });
            }
          }
          return found;
        },
        TAGS,
      );
      entry.violations = result;
    } catch (err) {
      entry.error = String(err && err.message ? err.message : err).split('\n')[0];
    }
    entry.ms = Date.now() - pageStarted;
    const bad = entry.error || entry.violations.length;
    if (bad) failedPages += 1;
    violationsTotal += entry.violations.length;
    console.log(
      `${bad ? '✗' : '✓'} ${p.fill ? 'POST ' : ''}${p.path}${entry.error ? `  ERROR: ${entry.error}` : `  ${entry.violations.length} violation(s)`}` +
        `  (${entry.ms} ms)`,
    );
    for (const v of entry.violations) {
      console.log(`    - ${v.id} [${v.impact}] ${v.help}  (${v.helpUrl})`);
      for (const n of v.nodes.slice(0, 10)) {
        console.log(`        at ${JSON.stringify(n.target)}: ${n.html.slice(0, 200)}`);
        if (n.summary) console.log(`           ${n.summary.replace(/\n\s*/g, ' / ')}`);
      }
      if (v.nodes.length > 10) console.log(`        … and ${v.nodes.length - 10} more node(s)`);
    }
  }
}

try {
  // Public pages (and the sign-in and password-reset forms), with no session.
  const anonymous = await newContext();
  await check(await anonymous.newPage(), publicPages, 'none');
  await anonymous.close();

  // Workspace pages, with the admin's session from signing in through the form.
  const signedIn = await newContext();
  const page = await signedIn.newPage();
  let ok = false;
  try {
    const res = await signIn(page, BASE, { lang: 'tr', email: ACCOUNTS.admin, password: ACCOUNTS.password });
    ok = Boolean(res && res.status() === 200 && new URL(page.url()).pathname === '/tr/workspace');
    if (!ok) console.log(`✗ signing in as ${ACCOUNTS.admin} ended at ${page.url()} (${res ? res.status() : 'no answer'})`);
  } catch (err) {
    console.log(`✗ signing in as ${ACCOUNTS.admin} failed: ${String(err && err.message ? err.message : err).split('\n')[0]}`);
  }
  if (ok) {
    await check(page, [...signedInPages, ...errorPages], 'admin');
  } else {
    failedPages += signedInPages.length + errorPages.length;
    for (const p of [...signedInPages, ...errorPages]) report.push({ ...p, session: 'admin', violations: [], error: 'not signed in', ms: 0 });
  }
  await signedIn.close();
} finally {
  await browser.close();
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'axe-report.json'), JSON.stringify({ axe: AXE_VERSION, tags: TAGS, pages: report }, null, 2));
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `axe: ${report.length} pages checked, ${failedPages} with problems, ${violationsTotal} violation(s) in all, ${secs} s ` +
    `(details in ${join(OUT, 'axe-report.json')})`,
);
process.exit(failedPages ? 1 : 0);

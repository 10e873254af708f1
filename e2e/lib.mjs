// Shared by the browser checks (journey.mjs, workspace.mjs, axe.mjs, comms.mjs, funding.mjs, training.mjs,
// phone.mjs): the lists of page kinds, the browser launch, the test accounts, signing in through the form
// and the record of the problems a journey meets.
//
// `node lib.mjs pages` prints the public page list as TSV (name, path, expected status) and
// `node lib.mjs workspace-pages` the signed-in one, for scripts/check-product.sh.

import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Base URL of the server under test, e.g. http://127.0.0.1:34567 (no trailing slash). */
export function baseUrl() {
  const base = process.env.BASE_URL;
  if (!base) {
    console.error('BASE_URL is not set (e.g. BASE_URL=http://127.0.0.1:8080)');
    process.exit(2);
  }
  return base.replace(/\/+$/, '');
}

export const LANGS = ['tr', 'en'];

/** Every public page kind, once per language: [name, path, expected HTTP status]. */
export function pageKinds() {
  const kinds = [
    ['home', '/', 200],
    ['local-diplomacy', '/local-diplomacy', 200],
    ['networks', '/networks', 200],
    ['network', '/networks/iclei', 200],
    ['municipalities', '/municipalities', 200],
    ['municipalities-filtered', '/municipalities?province=16', 200],
    ['district', '/municipalities/istanbul-kadikoy', 200],
    ['metropolitan', '/municipalities/bursa', 200],
    ['sdgs', '/sdgs', 200],
    ['sdg', '/sdgs/11', 200],
    ['data-sources', '/data-sources', 200],
    // sister-city relations
    ['partnerships', '/partnerships', 200],
    ['partnerships-filtered', '/partnerships?province=16', 200],
    ['partnership', '/partnerships/1', 200],
    ['partnership-countries', '/partnerships/countries', 200],
    ['compliance', '/compliance', 200],
    ['map', '/map', 200],
    ['map-filtered', '/map?municipality=bursa', 200],
    ['map-all', '/map?all=1', 200],
    ['not-found', '/no-such-page', 404],
    // capacity building, funding, the contact form and the union's about page
    ['events', '/events', 200],
    ['events-past', '/events?when=past', 200],
    ['publications', '/publications', 200],
    ['publications-filtered', '/publications?kind=report&sdg=11', 200],
    ['funding', '/funding', 200],
    ['funding-programmes', '/funding/programmes', 200],
    ['projects', '/projects', 200],
    ['contact', '/contact', 200],
    ['registration-privacy', '/registration/privacy', 200],
    ['about', '/about', 200],
    // news (the seeded data has no post: the list's empty state; a post's page is covered by the site tests)
    ['news', '/news', 200],
    // the account pages a signed-out visitor sees
    ['sign-in', '/sign-in', 200],
    ['password-reset', '/password-reset', 200],
  ];
  return perLanguage(kinds);
}

/** The municipality the e2e representative speaks for (scripts/check-product.sh creates that user). */
export const E2E_MUNICIPALITY = process.env.LDP_E2E_MUNICIPALITY || 'bursa-nilufer';

/**
 * Every workspace page kind, once per language: [name, path, expected HTTP status]. They need a signed-in
 * session with the admin role (the users and audit pages are for admins and auditors); see signIn().
 */
export function workspaceKinds() {
  const m = `/workspace/municipalities/${E2E_MUNICIPALITY}`;
  const kinds = [
    ['ws-dashboard', '/workspace', 200],
    ['ws-municipality', m, 200],
    ['ws-representative-new', `${m}/representatives/new`, 200],
    ['ws-membership-new', `${m}/memberships/new`, 200],
    ['ws-partnership-new', `/workspace/partnerships/new?q=${encodeURIComponent('Münih')}`, 200],
    ['ws-partnership', '/workspace/partnerships/1', 200],
    ['ws-users', '/workspace/users', 200],
    ['ws-users-search', `/workspace/users?mq=${encodeURIComponent('Nilüfer')}`, 200],
    ['ws-compliance', '/workspace/compliance', 200],
    ['ws-audit', '/workspace/audit', 200],
    ['ws-account', '/workspace/account', 200],
    ['ws-events', '/workspace/events', 200],
    ['ws-event-new', '/workspace/events/new', 200],
    ['ws-publications', '/workspace/publications', 200],
    ['ws-publication-new', '/workspace/publications/new', 200],
    ['ws-inbox', '/workspace/inbox', 200],
    ['ws-inbox-rules', '/workspace/inbox/rules', 200],
    ['ws-inbox-privacy', '/workspace/inbox/privacy', 200],
    ['ws-pages', '/workspace/pages', 200],
    ['ws-page-edit', '/workspace/pages/local-diplomacy/tr', 200],
    ['ws-news', '/workspace/news', 200],
    ['ws-news-new', '/workspace/news/new', 200],
    ['ws-calendar', '/workspace/calendar', 200],
    ['ws-delegations', '/workspace/delegations', 200],
    ['ws-calls', '/workspace/calls', 200],
    ['ws-call-new', '/workspace/calls/new', 200],
    ['ws-applications', '/workspace/applications', 200],
    ['ws-application-new', '/workspace/applications/new', 200],
    ['ws-projects', '/workspace/projects', 200],
    ['ws-project-new', '/workspace/projects/new', 200],
    ['ws-training-record', '/workspace/training-record', 200],
    ['ws-training-hours', '/workspace/training-record/hours', 200],
  ];
  return perLanguage(kinds);
}

function perLanguage(kinds) {
  const pages = [];
  for (const lang of LANGS) {
    for (const [name, path, status] of kinds) {
      pages.push({ name: `${lang}-${name}`, path: `/${lang}${path}`, status });
    }
  }
  return pages;
}

/**
 * The accounts scripts/check-product.sh creates with `ldp user add`: an admin and a representative of
 * E2E_MUNICIPALITY, both with LDP_E2E_PASSWORD. Exits 2 when they are not set.
 */
export function credentials() {
  const c = {
    admin: process.env.LDP_E2E_ADMIN_EMAIL,
    representative: process.env.LDP_E2E_REP_EMAIL,
    password: process.env.LDP_E2E_PASSWORD,
    municipality: E2E_MUNICIPALITY,
  };
  const missing = ['LDP_E2E_ADMIN_EMAIL', 'LDP_E2E_REP_EMAIL', 'LDP_E2E_PASSWORD'].filter((k) => !process.env[k]);
  if (missing.length) {
    console.error(`${missing.join(', ')} not set (scripts/check-product.sh creates the accounts and sets them)`);
    process.exit(2);
  }
  return c;
}

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Debian's Chromium, headless, nothing fetched from outside. Playwright never downloads a browser here. */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
}

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/**
 * Clicks a submit button (or a link) and waits for the page the browser loads next, even when it has the
 * same URL (a form re-rendered with its errors). Returns that page's main response (after redirects).
 */
export async function submit(page, locator) {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return res;
}

/**
 * Signs in through the sign-in form as a person would (works with JavaScript on or off). Returns the main
 * response of the page it leads to (the workspace, or `next`); on a refused sign-in, the form again (400).
 */
export async function signIn(page, base, { lang = 'tr', email, password, next = '' }) {
  const q = next ? `?next=${encodeURIComponent(next)}` : '';
  await page.goto(`${base}/${lang}/sign-in${q}`, { waitUntil: 'load' });
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  return submit(page, page.locator('form.form button[type="submit"]'));
}

/**
 * The record of a journey's problems and its helpers. `step()` reads the step the journey is in (each
 * problem names it); `shot` writes `${prefix}-${name}.png` into `shots`. `watch(page)` makes a console error,
 * a page error and an error status a problem, except a 4xx that `allowed(status)` expects.
 */
export function checks({ step, shots, prefix, allowed = () => false }) {
  const problems = [];
  const problem = (kind, detail) => {
    const at = step();
    problems.push({ step: at, kind, detail });
    console.log(`  ✗ [${at}] ${kind}: ${detail}`);
  };
  const expect = (cond, what) => {
    if (!cond) problem('expectation', what);
    return Boolean(cond);
  };
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') problem('console error', msg.text());
    });
    page.on('pageerror', (err) => problem('page error', String(err)));
    page.on('response', (res) => {
      const s = res.status();
      if (s >= 500 || (s >= 400 && !allowed(s))) problem('status', `${s} ${res.url()}`);
    });
  };
  const shot = (page, name) => page.screenshot({ path: join(shots, `${prefix}-${name}.png`), fullPage: true });
  return { problems, problem, expect, watch, shot };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lists = { pages: pageKinds, 'workspace-pages': workspaceKinds };
  const list = lists[process.argv[2]];
  if (!list) {
    console.error('usage: node lib.mjs pages | workspace-pages');
    process.exit(2);
  }
  for (const p of list()) console.log(`${p.name}\t${p.path}\t${p.status}`);
}

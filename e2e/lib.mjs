// Shared by journey.mjs and axe.mjs: the list of page kinds, the browser launch, small helpers.
//
// `node lib.mjs pages` prints the page list as TSV (name, path, expected status) for scripts/check-product.sh.

import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

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
    ['not-found', '/no-such-page', 404],
  ];
  const pages = [];
  for (const lang of LANGS) {
    for (const [name, path, status] of kinds) {
      pages.push({ name: `${lang}-${name}`, path: `/${lang}${path}`, status });
    }
  }
  return pages;
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

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'pages') {
  for (const p of pageKinds()) console.log(`${p.name}\t${p.path}\t${p.status}`);
}

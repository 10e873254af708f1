// Accessibility: axe-core on every public page kind in both languages (lib.mjs pageKinds()), against a running
// ldp, for the WCAG 2.0/2.1 A and AA rules.
//
//   BASE_URL=http://127.0.0.1:PORT node axe.mjs
//
// The site's CSP forbids inline and injected scripts, so this run (and only this one) uses Playwright's
// `bypassCSP` to inject axe-core from node_modules. Each page is loaded with JavaScript as a browser would;
// axe judges the rendered page. Exit 1 on any violation, or when a page does not answer its expected status.

import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, launch, pageKinds, DESKTOP } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_VERSION = require('axe-core/package.json').version;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const BASE = baseUrl();

const started = Date.now();
const browser = await launch();
const context = await browser.newContext({ ...DESKTOP, bypassCSP: true });
context.setDefaultTimeout(30_000);
// The map pages (about 400 KB of SVG and table) and the compliance page are the largest: room to spare.
context.setDefaultNavigationTimeout(60_000);
const page = await context.newPage();

const pages = pageKinds();
const report = [];
let violationsTotal = 0;
let failedPages = 0;
console.log(`axe-core ${AXE_VERSION}, tags ${TAGS.join(', ')}, ${pages.length} pages, Chromium ${browser.version()}`);

try {
  for (const p of pages) {
    const entry = { ...p, violations: [], error: null, ms: 0 };
    report.push(entry);
    const pageStarted = Date.now();
    try {
      const res = await page.goto(BASE + p.path, { waitUntil: 'load' });
      const got = res ? res.status() : 0;
      if (got !== p.status) throw new Error(`answered ${got}, expected ${p.status}`);
      await page.addScriptTag({ path: AXE_PATH });
      const result = await page.evaluate(
        async (tags) => {
          // eslint-disable-next-line no-undef
          const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
          return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
          }));
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
      `${bad ? '✗' : '✓'} ${p.path}${entry.error ? `  ERROR: ${entry.error}` : `  ${entry.violations.length} violation(s)`}` +
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
} finally {
  await browser.close();
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'axe-report.json'), JSON.stringify({ axe: AXE_VERSION, tags: TAGS, pages: report }, null, 2));
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `axe: ${pages.length} pages checked, ${failedPages} with problems, ${violationsTotal} violation(s) in all, ${secs} s ` +
    `(details in ${join(OUT, 'axe-report.json')})`,
);
process.exit(failedPages ? 1 : 0);

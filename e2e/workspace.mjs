// The workspace journey in a real (headless) Chromium, against a running ldp with the e2e accounts.
//
//   BASE_URL=http://127.0.0.1:PORT LDP_E2E_ADMIN_EMAIL=… LDP_E2E_REP_EMAIL=… LDP_E2E_PASSWORD=… node workspace.mjs
//
// As the representative of LDP_E2E_MUNICIPALITY (bursa-nilufer): signs in through the form, sees the dashboard,
// edits the municipality's profile (website, e-mail) and sees the saved notice; adds a representative with a bad
// e-mail first (the form comes back with 400, a message beside the field and the typed values kept), then fixes
// it; proposes a relation (searches "Münih", chooses Münih (München) in Almanya, shown with its Turkish name, submits, lands on the relation's
// workspace page); records "protocol signed" first (refused with 409, the message names the council decision),
// then the council decision with date and number; finds it on the public relation page; signs out. As the admin:
// the audit log filtered by the representative's e-mail shows rows, and its CSV link downloads text/csv with rows.
// Then, with JavaScript turned off: signs in as the representative, saves the profile form, signs out. Finally
// phone-sized (390×844) shots of the dashboard, the municipality form and the relation page.
// Screenshots: out/screenshots/ws-*.png (1280 px wide, full page; the phone ones named ws-phone-*).
//
// Fails (exit 1) on a console error or uncaught page error, a failed request (but not one the browser cancels
// itself: a resource of a page being left, the navigation that turns into the CSV download), a response >= 500,
// a response >= 400 other than the ones a step expects (a form sent back with its errors), or an expectation
// that does not hold.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, checks, credentials, launch, signIn, submit, DESKTOP, PHONE } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots');
const BASE = baseUrl();
const ACCOUNTS = credentials();
const SLUG = ACCOUNTS.municipality;
const TODAY = new Date().toISOString().slice(0, 10);
// Unique per run, so that what the journey looks for is what it wrote.
const RUN = Date.now().toString(36);
const DECISION_NUMBER = `E2E-${RUN}`;

mkdirSync(SHOTS, { recursive: true });
for (const f of readdirSync(SHOTS)) if (f.startsWith('ws-')) rmSync(join(SHOTS, f), { force: true });

const { problems, problem, expect } = checks({ step: () => step });
let step = 'start';
let shotCount = 0;
// HTTP statuses >= 400 the current step expects for the page it submits (a form re-rendered with errors).
let expectedStatuses = new Set();
// Documents that answered one of those, with their status: their console "Failed to load resource" is expected.
const expectedFailures = new Set();
// A link followed as a download: Chromium aborts that navigation (net::ERR_ABORTED) and hands the body over.
let expectedAbort = null;

function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text());
    if (m && loc && expectedFailures.has(`${m[1]} ${loc.url}`)) return;
    problem('console error', `${msg.text()}${loc && loc.url ? ` (at ${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (err) => problem('page error', String(err && err.stack ? err.stack : err)));
  page.on('requestfailed', (req) => {
    const error = req.failure() ? req.failure().errorText : '?';
    if (error === 'net::ERR_ABORTED' && req.url() === expectedAbort) return;
    // A page left while a resource of it still loads (the favicon, fetched after `load`) cancels that request:
    // the browser's doing, not the server's.
    if (error === 'net::ERR_ABORTED' && req.resourceType() !== 'document') {
      console.log(`  (cancelled by leaving the page: ${req.method()} ${req.url()})`);
      return;
    }
    problem('request failed', `${req.method()} ${req.url()}: ${error}`);
  });
  page.on('response', (res) => {
    const s = res.status();
    if (s < 400) return;
    const req = res.request();
    if (s < 500 && req.isNavigationRequest() && expectedStatuses.has(s)) {
      expectedFailures.add(`${s} ${res.url()}`);
      return;
    }
    problem(s >= 500 ? 'server error' : 'HTTP error', `${req.method()} ${res.url()} -> ${s}`);
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

async function shot(page, name) {
  shotCount += 1;
  const file = join(SHOTS, `ws-${String(shotCount).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  📷 ${file}`);
}

async function run(name, fn) {
  step = name;
  expectedStatuses = new Set();
  console.log(`- ${name}`);
  try {
    await fn();
  } catch (err) {
    problem('step failed', String(err && err.message ? err.message : err).split('\n').slice(0, 6).join(' | '));
  }
  expectedStatuses = new Set();
}

function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

async function open(page, path) {
  const res = await page.goto(BASE + path, { waitUntil: 'load' });
  expect(res && res.status() < 400, `GET ${path} answered ${res ? res.status() : 'nothing'}`);
  return res;
}

/** Submits with `button` and expects the page to come back with `status` (a form sent back with its errors). */
async function submitExpecting(page, button, status) {
  expectedStatuses = new Set([status]);
  const res = await submit(page, button);
  expectedStatuses = new Set();
  expect(res && res.status() === status, `the form should come back with ${status}, came back with ${res ? res.status() : 'nothing'}`);
  return res;
}

async function text(locator) {
  return ((await locator.count()) ? await locator.first().innerText() : '').trim();
}

/** Signs in through the form and checks the workspace (or `next`) answered. */
async function signInAs(page, who, { lang = 'tr', next = '' } = {}) {
  const email = ACCOUNTS[who];
  const res = await signIn(page, BASE, { lang, email, password: ACCOUNTS.password, next });
  expect(res && res.status() === 200, `signing in as ${email} should lead to a 200 page, got ${res ? res.status() : 'nothing'} at ${pathOf(page)}`);
  const want = next || `/${lang}/workspace`;
  expect(pathOf(page) === want, `signing in should land on ${want}, landed on ${pathOf(page)}`);
  expect((await text(page.locator('.ws-nav .ws-who'))).includes(email), `the workspace nav names ${email}`);
}

async function signOut(page, lang = 'tr') {
  const button = page.locator('.ws-nav form[action$="/sign-out"] button[type="submit"]');
  expect((await button.count()) === 1, 'the workspace nav has one sign-out button');
  await submit(page, button.first());
  expect(pathOf(page) === `/${lang}/`, `signing out should land on /${lang}/, landed on ${pathOf(page)}`);
  // The session is gone: the workspace sends to the sign-in form again.
  await page.goto(`${BASE}/${lang}/workspace`, { waitUntil: 'load' });
  expect(new URL(page.url()).pathname === `/${lang}/sign-in`, `after signing out /${lang}/workspace should lead to the sign-in form, is at ${pathOf(page)}`);
}

const started = Date.now();
const browser = await launch();
console.log(`Chromium ${browser.version()} against ${BASE}; representative ${ACCOUNTS.representative} of ${SLUG}, admin ${ACCOUNTS.admin}`);
let relationId = null;

try {
  // ---------------------------------------------------------------- the representative
  const rep = await newPage(browser, { ...DESKTOP, locale: 'tr-TR' });
  await run('sign in as the representative (form)', async () => {
    await open(rep, '/tr/sign-in');
    await shot(rep, 'sign-in-tr');
    await signInAs(rep, 'representative');
  });
  await run('the dashboard', async () => {
    expect(await rep.locator('h1').first().isVisible(), 'the dashboard has a visible h1');
    const own = rep.locator(`.ws-nav a[href="/tr/workspace/municipalities/${SLUG}"]`);
    expect((await own.count()) === 1, `the workspace nav links the representative's municipality (${SLUG})`);
    expect((await rep.locator('.ws-nav a[href="/tr/workspace/audit"]').count()) === 0, 'a representative has no audit-log link');
    expect((await rep.locator('section.attention').count()) >= 1, 'the dashboard shows the municipality\'s relations needing attention');
    await shot(rep, 'dashboard-tr');
  });

  const website = `https://www.nilufer.bel.tr/e2e-${RUN}`;
  const contact = `dis-iliskiler-${RUN}@nilufer.bel.tr`;
  await run('edit the municipality profile (website, e-mail)', async () => {
    await submit(rep, rep.locator(`.ws-nav a[href="/tr/workspace/municipalities/${SLUG}"]`));
    expect(new URL(rep.url()).pathname === `/tr/workspace/municipalities/${SLUG}`, `the nav link leads to the municipality, is at ${pathOf(rep)}`);
    await rep.fill('#f-website', website);
    await rep.fill('#f-contact_email', contact);
    const res = await submit(rep, rep.locator('section[aria-labelledby="profile-h"] form button[type="submit"]'));
    expect(res && res.status() === 200, `saving the profile should end on a 200 page, got ${res ? res.status() : 'nothing'}`);
    expect(pathOf(rep) === `/tr/workspace/municipalities/${SLUG}?saved=1`, `saving should redirect to ?saved=1, is at ${pathOf(rep)}`);
    expect(await rep.locator('.notice[role="status"]').isVisible(), 'the saved notice is shown');
    expect((await rep.inputValue('#f-website')) === website, 'the saved website is in the form');
    expect((await rep.inputValue('#f-contact_email')) === contact, 'the saved e-mail is in the form');
    await shot(rep, 'municipality-saved-tr');
  });

  await run('add a representative with a bad e-mail (form comes back with the message)', async () => {
    await submit(rep, rep.locator(`a[href="/tr/workspace/municipalities/${SLUG}/representatives/new"]`));
    await rep.fill('#f-name', `E2E Temsilci ${RUN}`);
    await rep.fill('#f-title', 'Dış İlişkiler Müdürü');
    await rep.fill('#f-email', 'not-an-e-mail');
    await rep.fill('#f-languages', 'tr, en, de');
    await submitExpecting(rep, rep.locator('main form.form button[type="submit"]'), 400);
    expect(new URL(rep.url()).pathname === `/tr/workspace/municipalities/${SLUG}/representatives/new`, `the form comes back at the same address, is at ${pathOf(rep)}`);
    const field = rep.locator('.field.has-error:has(#f-email)');
    expect((await field.count()) === 1, 'the e-mail field is marked .has-error');
    const msg = await text(rep.locator('#f-email-error'));
    expect(msg.length > 0, 'a message stands beside the e-mail field (#f-email-error)');
    expect((await rep.getAttribute('#f-email', 'aria-invalid')) === 'true', 'the e-mail input has aria-invalid=true');
    expect((await rep.getAttribute('#f-email', 'aria-describedby')) === 'f-email-error', 'the e-mail input is described by its message');
    expect((await rep.inputValue('#f-name')) === `E2E Temsilci ${RUN}`, 'the typed name is kept');
    expect((await rep.inputValue('#f-title')) === 'Dış İlişkiler Müdürü', 'the typed title is kept');
    expect((await rep.inputValue('#f-email')) === 'not-an-e-mail', 'the typed (bad) e-mail is kept to be corrected');
    expect((await rep.locator('.has-error').count()) === 1, 'only the e-mail field is marked as wrong');
    console.log(`  message beside the e-mail field: ${JSON.stringify(msg)}`);
    await shot(rep, 'representative-error-tr');
  });
  await run('fix the e-mail and save the representative', async () => {
    await rep.fill('#f-email', `temsilci-${RUN}@nilufer.bel.tr`);
    const res = await submit(rep, rep.locator('main form.form button[type="submit"]'));
    expect(res && res.status() === 200, `saving should end on a 200 page, got ${res ? res.status() : 'nothing'}`);
    expect(pathOf(rep) === `/tr/workspace/municipalities/${SLUG}?saved=1`, `saving should redirect to the municipality ?saved=1, is at ${pathOf(rep)}`);
    expect(await rep.locator('.notice[role="status"]').isVisible(), 'the saved notice is shown');
    const reps = await text(rep.locator('section[aria-labelledby="reps-h"] table'));
    expect(reps.includes(`E2E Temsilci ${RUN}`), 'the representatives table lists the new representative');
    await shot(rep, 'municipality-representative-added-tr');
  });

  await run('propose a relation: search "Münih", choose München', async () => {
    await submit(rep, rep.locator('.ws-nav a[href="/tr/workspace/partnerships/new"]'));
    await rep.fill('#f-q', 'Münih');
    await submit(rep, rep.locator('form[role="search"] button[type="submit"]'));
    expect(new URL(rep.url()).searchParams.get('q') === 'Münih', `the search is in the address (q=Münih), is ${pathOf(rep)}`);
    const choices = rep.locator('ul.choices input[type="radio"][name="partner_city"]');
    const n = await choices.count();
    expect(n >= 1, `the search lists partner cities as radio buttons, lists ${n}`);
    const munich = rep.locator('ul.choices li label').filter({ hasText: /(Münih|München|Munich).*\b(DE|Almanya)\b/ });
    if (!expect((await munich.count()) >= 1, `the search for Münih offers Münih (Almanya); offers: ${(await text(rep.locator('ul.choices'))).replace(/\s+/g, ' ')}`)) return;
    console.log(`  choosing: ${(await text(munich.first())).replace(/\s+/g, ' ')}`);
    await munich.first().locator('input[type="radio"]').check();
    expect((await rep.inputValue('#f-municipality')) === SLUG, `the member municipality is preselected (${SLUG})`);
    // Several boxes of each group: every ticked box repeats its key in the body (sdg=11&sdg=13…).
    for (const t of ['culture', 'climate']) await rep.locator(`input[name="theme"][value="${t}"]`).check();
    for (const g of ['11', '13', '17']) await rep.locator(`main form.form input[name="sdg"][value="${g}"]`).check();
    await shot(rep, 'partnership-new-tr');
    const res = await submit(rep, rep.locator('main form.form button[type="submit"]'));
    const m = /^\/tr\/workspace\/partnerships\/(\d+)$/.exec(new URL(rep.url()).pathname);
    expect(m && res && res.status() === 200, `proposing should land on /tr/workspace/partnerships/ID with 200, is at ${pathOf(rep)} (${res ? res.status() : 'nothing'})`);
    if (!m) {
      const msgs = await rep.locator('.form-message, .field-error').allInnerTexts();
      if (msgs.length) console.log(`  the form says: ${msgs.join(' | ')}`);
      return;
    }
    relationId = m[1];
    expect(await rep.locator('.notice[role="status"]').isVisible(), 'the saved notice is shown');
    const goals = await rep.locator('section[aria-labelledby="sdg-h"] input[name="sdg"]:checked').evaluateAll((els) => els.map((e) => e.value));
    expect(goals.join(',') === '11,13,17', `the ticked goals were saved (11,13,17), the goals form shows ${goals.join(',')}`);
    const themes = await text(rep.locator('dl.facts'));
    expect(/kültür/.test(themes) && /iklim/.test(themes), `the ticked themes were saved: ${JSON.stringify(themes.slice(0, 200))}`);
    const h1 = await text(rep.locator('h1'));
    expect(/Nilüfer/.test(h1) && /(Münih|München|Munich)/.test(h1), `the relation's title names Nilüfer and München: ${JSON.stringify(h1)}`);
    await shot(rep, 'partnership-proposed-tr');
  });

  await run('choose a step and see only its fields', async () => {
    if (!expect(relationId, 'a relation was created')) return;
    const open = async () => rep.$$eval('details.step[open]', (ds) => ds.map((d) => d.id));
    expect((await open()).join() === 'step-council_approved', `only the expected step (council decision) is open, open: ${await open()}`);
    await rep.locator('#step-signed summary').click();
    expect((await open()).join() === 'step-signed', `choosing "protocol signed" shows only its form, open: ${await open()}`);
    expect(await rep.locator('#f-signed-place').isVisible(), 'the signing form asks for the place');
    expect(!(await rep.locator('#f-council_approved-number').isVisible()), "the council decision's number is hidden meanwhile");
    const fields = await rep.$$eval('#step-signed form input:not([type=hidden])', (els) => els.map((e) => e.name));
    expect(fields.join() === 'date,place,signatories', `the signing form has only its own fields: ${fields}`);
  });
  await run('record "protocol signed" first (refused, naming the council decision)', async () => {
    if (!relationId) return;
    await rep.fill('#f-signed-date', TODAY);
    await rep.fill('#f-signed-place', 'Bursa');
    await submitExpecting(rep, rep.locator('#step-signed button[type="submit"]'), 409);
    const above = await text(rep.locator('#step-signed .form-message'));
    const beside = await text(rep.locator('#f-signed-signatories-error'));
    console.log(`  refusal: ${JSON.stringify(above)} / beside the signatories: ${JSON.stringify(beside)}`);
    expect(/meclis karar/i.test(above) && /5393/.test(above), `the refusal above the form names the council decision and the law: ${JSON.stringify(above)}`);
    expect(beside !== '', 'the missing signatories are named in the same answer');
    expect((await rep.locator('.form-message').count()) === 1, 'one form-level message, printed once');
    expect((await rep.inputValue('#f-signed-place')) === 'Bursa', 'the typed place is kept');
    await shot(rep, 'partnership-signed-refused-tr');
  });
  await run('correct the proposal date', async () => {
    if (!relationId) return;
    expect((await rep.inputValue('#f-proposed_on')) === TODAY, `the proposal date defaults to today (${TODAY})`);
    const earlier = new Date(Date.now() - 7 * 86400e3).toISOString().slice(0, 10);
    await rep.fill('#f-proposed_on', earlier);
    const res = await submit(rep, rep.locator('section[aria-labelledby="proposal-h"] button[type="submit"]'));
    expect(res && res.status() === 200 && pathOf(rep).endsWith('?saved=1'), `correcting redirects to ?saved=1, is at ${pathOf(rep)}`);
    expect((await rep.inputValue('#f-proposed_on')) === earlier, `the corrected date (${earlier}) is shown`);
    const trail = await text(rep.locator('ol.timeline'));
    console.log(`  trail: ${trail.replace(/\s+/g, ' ').slice(0, 120)}`);
  });
  await run('record the council decision (date, number)', async () => {
    if (!relationId) return;
    // The step the trail expects next is open already; a click on its summary would fold it.
    if (!(await rep.locator('#step-council_approved').evaluate((d) => d.open))) await rep.locator('#step-council_approved summary').click();
    await rep.fill('#f-council_approved-date', TODAY);
    await rep.fill('#f-council_approved-number', DECISION_NUMBER);
    const res = await submit(rep, rep.locator('#step-council_approved button[type="submit"]'));
    expect(res && res.status() === 200, `recording should end on a 200 page, got ${res ? res.status() : 'nothing'}`);
    expect(pathOf(rep) === `/tr/workspace/partnerships/${relationId}?saved=1`, `recording should redirect to ?saved=1, is at ${pathOf(rep)}`);
    expect(await rep.locator('.notice[role="status"]').isVisible(), 'the saved notice is shown');
    if ((await rep.locator('.form-message, .field-error').count()) > 0) {
      problem('expectation', `the step form still shows: ${(await rep.locator('.form-message, .field-error').allInnerTexts()).join(' | ')}`);
    }
    expect((await rep.locator('#f-proposed_on').count()) === 0, 'the proposal date is fixed once the council decided');
    await shot(rep, 'partnership-council-decision-tr');
  });
  await run('log an activity, ticking several goals', async () => {
    if (!relationId) return;
    const form = rep.locator('section[aria-labelledby="act-h"]');
    await form.locator('#f-adate').fill(TODAY);
    await form.locator('#f-title_tr').fill(`E2E çalıştay ${RUN}`);
    await form.locator('#f-akind').selectOption('meeting');
    for (const g of ['4', '11']) await form.locator(`input[name="sdg"][value="${g}"]`).check();
    const res = await submit(rep, form.locator('button[type="submit"]'));
    expect(res && res.status() === 200, `logging should end on a 200 page, got ${res ? res.status() : 'nothing'}`);
    const list = await text(rep.locator('ul.activities'));
    expect(list.includes(`E2E çalıştay ${RUN}`) && /SKA 4, SKA 11/.test(list), `the activity is listed with goals 4 and 11: ${JSON.stringify(list.slice(0, 300))}`);
    await shot(rep, 'partnership-activity-goals-tr');
  });
  await run('edit the relation\'s goals after creation', async () => {
    if (!relationId) return;
    const form = rep.locator('section[aria-labelledby="sdg-h"]');
    await form.locator('input[name="sdg"][value="13"]').uncheck();
    for (const g of ['5', '16']) await form.locator(`input[name="sdg"][value="${g}"]`).check();
    const res = await submit(rep, form.locator('button[type="submit"]'));
    expect(res && res.status() === 200, `saving goals should end on a 200 page, got ${res ? res.status() : 'nothing'}`);
    const goals = await rep.locator('section[aria-labelledby="sdg-h"] input[name="sdg"]:checked').evaluateAll((els) => els.map((e) => e.value));
    expect(goals.join(',') === '5,11,16,17', `the goals are now 5,11,16,17, the form shows ${goals.join(',')}`);
    await shot(rep, 'partnership-goals-edited-tr');
  });
  await run('the record follow-up lists only the representative\'s municipality', async () => {
    await submit(rep, rep.locator('.ws-nav a[href="/tr/workspace/compliance"]'));
    const groups = await rep.locator('main section h2').allInnerTexts();
    expect(groups.length === 1 && /Nilüfer/.test(groups[0]), `one group, Nilüfer's: ${JSON.stringify(groups)}`);
    await shot(rep, 'compliance-representative-tr');
    await open(rep, `/tr/workspace/partnerships/${relationId}`);
  });
  await run('the public relation page shows the council decision', async () => {
    if (!relationId) return;
    await submit(rep, rep.locator(`main a[href="/tr/partnerships/${relationId}"]`));
    expect(pathOf(rep) === `/tr/partnerships/${relationId}`, `the public page link leads to /tr/partnerships/${relationId}, is at ${pathOf(rep)}`);
    const trail = await text(rep.locator('section[aria-labelledby="trail-title"]'));
    expect(trail.includes(DECISION_NUMBER), `the public trail shows the decision number ${DECISION_NUMBER}: ${JSON.stringify(trail.slice(0, 300))}`);
    expect(/Meclis kararı/.test(trail), 'the public trail names the step "Meclis kararı"');
    await shot(rep, 'partnership-public-tr');
  });
  await run('propose a network the union is not in', async () => {
    await open(rep, '/tr/workspace/networks/new');
    await rep.fill('#f-acronym', `E2ENET${RUN}`.toUpperCase());
    await rep.fill('#f-name_tr', 'Deneme Kentler Ağı');
    await rep.fill('#f-name_en', 'Test Cities Network');
    await rep.fill('#f-founded', '1986');
    await rep.fill('#f-headquarters', 'Brüksel');
    await rep.selectOption('#f-hq_country', 'BE');
    await rep.fill('#f-website', 'https://example.org');
    const res = await submit(rep, rep.locator('form.form button[type="submit"]').last());
    expect(res && res.status() === 200 && /\/tr\/workspace\/networks\/\d+/.test(pathOf(rep)), `the proposal is saved, at ${pathOf(rep)}`);
    await shot(rep, 'network-proposed-tr');
  });
  await run('sign out (nav button)', async () => {
    await open(rep, '/tr/workspace');
    await signOut(rep, 'tr');
  });
  await rep.context().close();

  // ---------------------------------------------------------------- the admin: the audit log
  const admin = await newPage(browser, { ...DESKTOP, locale: 'tr-TR' });
  await run('sign in as the admin', async () => {
    await signInAs(admin, 'admin');
  });
  await run('invite a representative by choosing the municipality by name', async () => {
    await open(admin, '/tr/workspace/users');
    await admin.fill('#f-mq', 'Nilüfer');
    await submit(admin, admin.locator('form[role="search"] button[type="submit"]'));
    expect(new URL(admin.url()).searchParams.get('mq') === 'Nilüfer', `the search is in the address, is ${pathOf(admin)}`);
    const labels = await admin.locator('.pick-list label').allInnerTexts();
    console.log(`  found: ${labels.join(' | ')}`);
    const nilufer = admin.locator('.pick-list label').filter({ hasText: 'Nilüfer Belediyesi' });
    if (!expect((await nilufer.count()) === 1, `the search offers Nilüfer Belediyesi by name: ${labels}`)) return;
    await nilufer.locator('input').check();
    const email = `e2e-davet-${RUN}@example.org`;
    await admin.fill('#f-email', email);
    await admin.selectOption('#f-role', 'representative');
    const res = await submit(admin, admin.locator('form.form button[type="submit"]'));
    expect(res && res.status() === 200 && new URL(admin.url()).searchParams.get('invited') === email, `inviting leads to ?invited=, is at ${pathOf(admin)}`);
    const row = await text(admin.locator('tbody tr', { hasText: email }));
    expect(/Nilüfer Belediyesi/.test(row) && !/bursa-nilufer/.test(row), `the users table names the municipality: ${JSON.stringify(row)}`);
    await shot(admin, 'users-invited-tr');
  });
  await run("approve the representative's network proposal", async () => {
    await open(admin, '/tr/workspace/networks');
    const row = admin.locator('table.registry tbody tr', { hasText: 'Deneme Kentler Ağı' });
    if (!expect((await row.count()) === 1, 'the proposal is listed for staff')) return;
    await submit(admin, row.locator('form button[type="submit"]'));
    const after = await text(admin.locator('table.registry tbody tr', { hasText: 'Deneme Kentler Ağı' }));
    expect(!/Onay bekliyor/.test(after), `approved: ${JSON.stringify(after)}`);
    await shot(admin, 'networks-approved-tr');
  });
  await run('the invitation mail shows in the outbox', async () => {
    await open(admin, '/tr/workspace/outbox');
    const email = `e2e-davet-${RUN}@example.org`;
    const row = await text(admin.locator('table.outbox tbody tr', { hasText: email }));
    expect(/Davet/.test(row), `the outbox lists the invitation to ${email}: ${JSON.stringify(row)}`);
    expect(!/\/invitation\//.test(await admin.content()), 'the outbox never shows the link itself');
    await shot(admin, 'outbox-tr');
  });
  await run('open the audit log', async () => {
    await open(admin, '/tr/workspace');
    await submit(admin, admin.locator('.ws-nav a[href="/tr/workspace/audit"]'));
    expect(pathOf(admin) === '/tr/workspace/audit', `the nav link leads to /tr/workspace/audit, is at ${pathOf(admin)}`);
  });
  await run('the audit log reads as words, not stored keys', async () => {
    const body = await text(admin.locator('main'));
    for (const raw of ['has_password', 'step:council_approved', 'system:cli:', 'partner_city']) {
      expect(!body.includes(raw), `the audit log does not show the raw key ${raw}`);
    }
  });
  await run("filter the audit log by the representative's e-mail", async () => {
    await admin.fill('#f-actor', ACCOUNTS.representative);
    await submit(admin, admin.locator('form.filters button[type="submit"]'));
    expect(new URL(admin.url()).searchParams.get('actor') === ACCOUNTS.representative, `the filter is in the address, is ${pathOf(admin)}`);
    expect((await admin.inputValue('#f-actor')) === ACCOUNTS.representative, 'the actor filter keeps its value');
    const actors = await admin.$$eval('table.audit tbody tr td:nth-of-type(2)', (tds) => tds.map((td) => td.textContent.trim()));
    // profile, representative, relation, council decision: at least four changes by the representative.
    expect(actors.length >= 4, `the filtered log should list the representative's changes (at least 4), lists ${actors.length}`);
    const others = actors.filter((a) => !a.includes(ACCOUNTS.representative));
    expect(others.length === 0, `every row is by ${ACCOUNTS.representative}; others: ${[...new Set(others)].join(', ')}`);
    console.log(`  ${actors.length} row(s) by ${ACCOUNTS.representative}`);
    await shot(admin, 'audit-filtered-tr');
  });
  await run('download the CSV of the filtered audit log', async () => {
    const link = admin.locator('a[href^="/tr/workspace/audit.csv"]');
    if (!expect((await link.count()) === 1, 'the audit log has one CSV link')) return;
    const href = await link.first().getAttribute('href');
    expect(new URL(href, BASE).searchParams.get('actor') === ACCOUNTS.representative, `the CSV link keeps the filter: ${href}`);
    // The link has no `download` attribute: the browser navigates, sees the attachment and aborts the
    // navigation, keeping the body as a download.
    expectedAbort = new URL(href, BASE).toString();
    const [download] = await Promise.all([admin.waitForEvent('download'), link.first().click()]);
    const failure = await download.failure();
    expect(failure === null, `the CSV download failed: ${failure}`);
    await download.saveAs(join(OUT, 'audit-representative.csv'));
    const res = await admin.context().request.get(new URL(href, BASE).toString());
    expect(res.status() === 200, `GET ${href} answered ${res.status()}, expected 200`);
    const type = res.headers()['content-type'] || '';
    expect(/^text\/csv\b/.test(type), `GET ${href} has Content-Type ${JSON.stringify(type)}, expected text/csv`);
    const body = await res.text();
    const lines = body.split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines.length >= 5, `the CSV should have a header and the representative's rows (>= 4), has ${lines.length} line(s)`);
    expect(/\bactor\b/.test(lines[0] || ''), `the CSV header names its columns: ${JSON.stringify(lines[0])}`);
    expect(lines.slice(1).every((l) => l.includes(ACCOUNTS.representative)), `every CSV row is by ${ACCOUNTS.representative}`);
    console.log(`  ⤓ ${href}: ${res.status()} ${type}, ${lines.length - 1} row(s), saved as ${join(OUT, 'audit-representative.csv')}`);
  });
  await run('the English workspace (language switch)', async () => {
    await submit(admin, admin.locator('a.lang-switch'));
    expect(new URL(admin.url()).pathname === '/en/workspace/audit', `the switch leads to /en/workspace/audit, is at ${pathOf(admin)}`);
    expect((await admin.getAttribute('html', 'lang')) === 'en', 'the page is in English');
    await open(admin, '/en/workspace');
    await shot(admin, 'dashboard-en-admin');
  });
  await run('sign out the admin', async () => {
    await signOut(admin, 'en');
  });
  await admin.context().close();

  // ---------------------------------------------------------------- without JavaScript
  const nojs = await newPage(browser, { ...DESKTOP, javaScriptEnabled: false, locale: 'tr-TR' });
  await run('without JavaScript: sign in, save the profile, sign out', async () => {
    await signInAs(nojs, 'representative', { next: `/tr/workspace/municipalities/${SLUG}` });
    const phone = `+90 224 000 ${String(Date.now() % 10000).padStart(4, '0')}`;
    await nojs.fill('#f-contact_phone', phone);
    const res = await submit(nojs, nojs.locator('section[aria-labelledby="profile-h"] form button[type="submit"]'));
    expect(res && res.status() === 200, `saving without JavaScript should end on a 200 page, got ${res ? res.status() : 'nothing'}`);
    expect(pathOf(nojs) === `/tr/workspace/municipalities/${SLUG}?saved=1`, `saving should redirect to ?saved=1, is at ${pathOf(nojs)}`);
    expect(await nojs.locator('.notice[role="status"]').isVisible(), 'the saved notice is shown');
    expect((await nojs.inputValue('#f-contact_phone')) === phone, 'the saved phone is in the form');
    expect((await nojs.inputValue('#f-website')) === website, 'the website saved earlier is still there');
    await shot(nojs, 'municipality-saved-nojs');
    await signOut(nojs, 'tr');
  });
  await run('without JavaScript: one small form per trail step', async () => {
    if (!relationId) return;
    await signInAs(nojs, 'representative', { next: `/tr/workspace/partnerships/${relationId}` });
    const forms = await nojs.$$eval('details.step', (ds) => ds.map((d) => [d.id, d.querySelector('input[name=stage]').value,
      [...d.querySelectorAll('form input:not([type=hidden])')].map((i) => i.name).join('+')]));
    console.log(`  ${forms.map((f) => `${f[1]}(${f[2]})`).join(' ')}`);
    expect(forms.length >= 5, `a form per step, found ${forms.length}`);
    expect(forms.every(([id, stage]) => id === `step-${stage}`), 'each form records its own step');
    const open = await nojs.$$eval('details.step[open]', (ds) => ds.map((d) => d.id));
    expect(open.length === 1 && open[0] !== 'step-council_approved', `one form is open, the next step's: ${open}`);
    await nojs.locator('#step-terminated summary').click();
    expect(await nojs.locator('#f-terminated-reason').isVisible(), 'opening "terminated" shows its reason field without JavaScript');
    await shot(nojs, 'partnership-steps-nojs');
    await signOut(nojs, 'tr');
  });
  await nojs.context().close();

  // ---------------------------------------------------------------- phone
  const phone = await newPage(browser, { ...PHONE, locale: 'tr-TR' });
  await run('phone (390×844): sign in, dashboard, municipality, relation', async () => {
    await signInAs(phone, 'representative');
    const paths = [
      ['phone-dashboard-tr', '/tr/workspace'],
      ['phone-municipality-tr', `/tr/workspace/municipalities/${SLUG}`],
      ['phone-representative-new-tr', `/tr/workspace/municipalities/${SLUG}/representatives/new`],
    ];
    if (relationId) paths.push(['phone-partnership-tr', `/tr/workspace/partnerships/${relationId}`]);
    for (const [name, path] of paths) {
      await open(phone, path);
      // Against the configured width: with isMobile, window.innerWidth grows with a page that is too wide.
      const overflow = (await phone.evaluate(() => document.documentElement.scrollWidth)) - phone.viewportSize().width;
      if (overflow > 0) console.log(`  ! warning: ${path} is ${overflow}px wider than the 390px viewport`);
      await shot(phone, name);
    }
    await signOut(phone, 'tr');
  });
  await phone.context().close();
} finally {
  await browser.close();
}

const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`workspace: ${shotCount} screenshots in ${SHOTS} (ws-*), ${problems.length} problem(s), ${secs} s`);
if (problems.length) {
  console.log('workspace FAILED:');
  for (const p of problems) console.log(`  [${p.step}] ${p.kind}: ${p.detail}`);
  process.exit(1);
}
console.log('workspace passed');

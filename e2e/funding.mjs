// The funding journey (issue 16) in a real (headless) Chromium, against a running ldp with the e2e accounts
// (an admin and a representative of bursa-nilufer) and the calls scripts/check-product.sh imported from its
// portal fixture with `ldp import calls` (made-up E2E-… identifiers, open at run time):
//
//   BASE_URL=… LDP_E2E_ADMIN_EMAIL=… LDP_E2E_REP_EMAIL=… LDP_E2E_PASSWORD=… \
//     LDP_E2E_CALL_ELIGIBLE=E2E-BEBKA-TEST-01 LDP_E2E_CALL_INELIGIBLE=E2E-IPA-BGTR-TEST-01 node funding.mjs
//
// 1. The admin finds both imported calls among the published ones on /tr/workspace/calls and, on each call's
//    workspace page, sets its programme (bebka-support: Bursa, Eskişehir, Bilecik; interreg-ipa-bulgaria-turkiye:
//    Edirne and Kırklareli only) and saves the form.
// 2. The representative signs in: the dashboard's "open calls my municipality can apply to" lists the BEBKA call
//    and not the Bulgaria–Türkiye one; the public call pages, checked for Nilüfer through their form, say
//    eligible (province inside, the programme's source link) and not eligible (province outside, its source)
//    respectively. They filter the public calls list by the funder BEBKA, follow its "save this search" link,
//    tick "eligible for my municipality", save, and find the search listed. From the eligible call's workspace
//    page they start an application, fill it (amount, currency, responsible person, a foreign partner and a
//    member partner) and save it: stage idea, both partners, the call linked; they add a PDF to its documents
//    and it reads back byte for byte.
// 3. They move it partner search → drafting → submitted (the submission dated) → awarded; the dated history
//    shows every move, and no further move is offered.
// 4. The awarded application links to its project; the admin publishes it on /tr/workspace/projects/ID; an
//    anonymous reader finds it on /tr/projects, its page names it with the lead and both partners and the
//    exact budget; /tr/projects.xlsx, saved as out/projects-tr.xlsx, is read back with openpyxl by
//    projects_xlsx.py (the venv's Python: the Turkish headers, the project's row).
// Screenshots: out/screenshots/funding-*.png (1280 px, full page).
//
// Fails (exit 1) on a console error, an uncaught page error, any response >= 400, or an expectation that does
// not hold.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, checks, credentials, launch, signIn, submit, DESKTOP } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots');
const BASE = baseUrl();
const ACCOUNTS = credentials();
const ELIGIBLE = process.env.LDP_E2E_CALL_ELIGIBLE || 'E2E-BEBKA-TEST-01';
const INELIGIBLE = process.env.LDP_E2E_CALL_INELIGIBLE || 'E2E-IPA-BGTR-TEST-01';
const BEBKA = 'bebka-support';
const BG_TR = 'interreg-ipa-bulgaria-turkiye';
const RUN = Date.now().toString(36);
const APPLICATION = `İklim uyumu için yeşil koridorlar e2e ${RUN}`;

/** Today as Istanbul (UTC+3, no daylight saving) counts days: YYYY-MM-DD. */
function today() {
  return new Date(Date.now() + 3 * 3600 * 1000).toISOString().slice(0, 10);
}

mkdirSync(SHOTS, { recursive: true });
for (const f of readdirSync(SHOTS)) if (f.startsWith('funding-')) rmSync(join(SHOTS, f), { force: true });

const { problems, problem, expect, watch, shot } = checks({ step: () => step, shots: SHOTS, prefix: 'funding' });
let step = 'start';

/** A locator's text with whitespace collapsed ('' when it is not there). */
async function text(locator) {
  if ((await locator.count()) === 0) return '';
  return ((await locator.first().textContent()) || '').replace(/\s+/g, ' ').trim();
}

/** A signed-in page of its own browser context, for one person. */
async function person(browser, email) {
  const context = await browser.newContext({ ...DESKTOP, locale: 'tr-TR' });
  const page = await context.newPage();
  watch(page);
  const res = await signIn(page, BASE, { email, password: ACCOUNTS.password });
  expect(res && res.status() === 200, `${email} signs in: ${res && res.status()}`);
  return page;
}

/** Goes to `path` and expects a 200. */
async function open(page, path) {
  const res = await page.goto(`${BASE}${path}`, { waitUntil: 'load' });
  expect(res && res.status() === 200, `${path} answers 200: ${res && res.status()}`);
  return res;
}

/** The id of the published call with this identifier, from the staff's workspace list of calls. */
async function callId(page, identifier) {
  await open(page, '/tr/workspace/calls');
  const row = page.locator('table.published tbody tr', { hasText: identifier });
  if (!expect((await row.count()) === 1, `the imported call ${identifier} is among the published calls`)) return null;
  const href = (await row.locator('a[href*="/workspace/calls/"]').getAttribute('href')) || '';
  const m = href.match(/\/workspace\/calls\/(\d+)$/);
  if (!m) throw new Error(`no call id in ${href}`);
  return m[1];
}

/** Sets a call's programme on its workspace page and saves the form. */
async function setProgramme(page, id, programme) {
  await open(page, `/tr/workspace/calls/${id}`);
  await page.selectOption('#f-programme', programme);
  const res = await submit(page, page.locator('form.form button[type="submit"]'));
  expect(res && res.status() === 200, `call ${id} saved: ${res && res.status()}`);
  expect(page.url().endsWith(`/tr/workspace/calls/${id}?saved=1`), `back on the call's page, saved: ${page.url()}`);
  expect((await page.locator('main .notice').count()) === 1, `the saved notice on call ${id}`);
  expect((await page.inputValue('#f-programme')) === programme, `call ${id} keeps the programme ${programme}`);
}

/** The verdict for bursa-nilufer on a public call page, checked through the page's own form. */
async function verdict(page, id) {
  await open(page, `/tr/funding/calls/${id}`);
  await page.selectOption('#f-municipality', ACCOUNTS.municipality);
  const res = await submit(page, page.locator('form.filters button[type="submit"]'));
  expect(res && res.status() === 200, `the eligibility check of call ${id}: ${res && res.status()}`);
  const box = page.locator('.verdict');
  return {
    kind: ((await box.getAttribute('class').catch(() => '')) || '').replace('verdict ', ''),
    word: await text(box.locator('.verdict-word')),
    grounds: await box.locator('li').allTextContents(),
    source: (await box.locator('.source a').getAttribute('href').catch(() => null)) || '',
  };
}

const browser = await launch();
try {
  step = 'the programmes and their sources';
  const api = await browser.newContext();
  const programmes = await (await api.request.get(`${BASE}/api/v1/funding/programmes`)).json();
  const source = (slug) => (programmes.find((p) => p.slug === slug) || {}).source_url;
  expect(source(BEBKA) && source(BG_TR), `both programmes have a source: ${source(BEBKA)}, ${source(BG_TR)}`);
  await api.close();

  step = 'staff set the imported calls\' programmes';
  const staff = await person(browser, ACCOUNTS.admin);
  const eligibleId = await callId(staff, ELIGIBLE);
  const ineligibleId = await callId(staff, INELIGIBLE);
  await shot(staff, 'workspace-calls');
  if (!eligibleId || !ineligibleId) throw new Error('the imported calls are not there (the calls-import check)');
  await setProgramme(staff, eligibleId, BEBKA);
  await shot(staff, 'call-programme-saved');
  await setProgramme(staff, ineligibleId, BG_TR);

  step = 'the representative\'s open calls';
  const rep = await person(browser, ACCOUNTS.representative);
  expect(rep.url().endsWith('/tr/workspace'), `the representative lands on the workspace: ${rep.url()}`);
  const openCalls = rep.locator('section.open-calls');
  expect((await openCalls.count()) >= 1, 'the dashboard has its "open calls my municipality can apply to"');
  const listed = await openCalls.locator(`a[href$="/tr/funding/calls/${eligibleId}"]`).count();
  expect(listed === 1, `the BEBKA call ${ELIGIBLE} is among the open calls Nilüfer can apply to (${listed} links)`);
  const notListed = await openCalls.locator(`a[href$="/tr/funding/calls/${ineligibleId}"]`).count();
  expect(notListed === 0, `the Bulgaria–Türkiye call ${INELIGIBLE} is not among them (${notListed} links)`);
  await shot(rep, 'dashboard');

  step = 'the public call pages say eligible and not eligible';
  const yes = await verdict(rep, eligibleId);
  expect(yes.kind === 'verdict-eligible', `${ELIGIBLE}: eligible, got '${yes.kind}'`);
  expect(yes.word === 'Başvurabilir', `${ELIGIBLE}: the page says Başvurabilir: '${yes.word}'`);
  expect(yes.grounds.some((g) => g.includes('ili program alanında')), `${ELIGIBLE}: the province is inside: ${yes.grounds}`);
  expect(yes.source === source(BEBKA), `${ELIGIBLE}: the programme's source ${source(BEBKA)}: '${yes.source}'`);
  await shot(rep, 'call-eligible');
  const no = await verdict(rep, ineligibleId);
  expect(no.kind === 'verdict-not_eligible', `${INELIGIBLE}: not eligible, got '${no.kind}'`);
  expect(no.word === 'Başvuramaz', `${INELIGIBLE}: the page says Başvuramaz: '${no.word}'`);
  expect(no.grounds.some((g) => g.includes('ili program alanının dışında')), `${INELIGIBLE}: the province is outside: ${no.grounds}`);
  expect(no.source === source(BG_TR), `${INELIGIBLE}: the programme's source ${source(BG_TR)}: '${no.source}'`);
  await shot(rep, 'call-not-eligible');

  step = 'the representative saves a search';
  await open(rep, '/tr/funding');
  await rep.selectOption('#f-funder', 'bebka');
  const filtered = await submit(rep, rep.locator('form.filters button[type="submit"]'));
  expect(filtered && filtered.status() === 200, `the list filtered by BEBKA: ${filtered && filtered.status()}`);
  const rows = rep.locator('table.calls tbody tr');
  expect((await rows.filter({ hasText: ELIGIBLE }).count()) === 1 || (await rep.locator(`table.calls a[href$="/calls/${eligibleId}"]`).count()) === 1,
    'the BEBKA call is in the filtered list');
  expect((await rep.locator(`table.calls a[href$="/calls/${ineligibleId}"]`).count()) === 0, 'the Interreg call is not in it');
  await submit(rep, rep.locator('p.save-search a'));
  expect(new URL(rep.url()).pathname === '/tr/workspace/saved-searches', `on the saved searches page: ${rep.url()}`);
  expect((await rep.inputValue('#f-funder')) === 'bebka', 'the new search is filled with the funder BEBKA');
  const searches = rep.locator('ul.saved-searches > li');
  const mine = searches.filter({ hasText: 'BEBKA' }).filter({ hasText: 'Belediyem başvurabilir' });
  const before = await searches.count();
  const mineBefore = await mine.count();
  await rep.check('#f-eligible');
  await rep.selectOption('#f-frequency', 'weekly');
  const saved = await submit(rep, rep.locator('section[aria-labelledby="new-title"] form button[type="submit"]'));
  expect(saved && saved.status() === 200, `the search saved: ${saved && saved.status()}`);
  expect((await searches.count()) === before + 1, `one more saved search: ${before} → ${await searches.count()}`);
  expect((await mine.count()) === mineBefore + 1, `the search is listed with BEBKA and "eligible for my municipality": ${await text(searches.last())}`);
  await shot(rep, 'saved-search');

  step = 'the representative starts an application';
  await open(rep, `/tr/workspace/calls/${eligibleId}`);
  const start = rep.locator(`main a[href$="/tr/workspace/applications/new?call=${eligibleId}"]`);
  expect((await start.count()) === 1, 'the call\'s page offers to start an application');
  await submit(rep, start.first());
  expect(rep.url().endsWith(`/tr/workspace/applications/new?call=${eligibleId}`), `on the new application: ${rep.url()}`);
  expect((await rep.inputValue('#f-call')) === eligibleId, `the call is chosen: ${await rep.inputValue('#f-call')}`);
  expect((await rep.inputValue('#f-municipality')) === ACCOUNTS.municipality, 'Nilüfer applies');
  await rep.fill('#f-title', APPLICATION);
  await rep.fill('#f-requested', '180000.75');
  await rep.fill('#f-currency', 'EUR');
  await rep.fill('#f-responsible', 'E2E Temsilci');
  await rep.fill('#f-notes', 'Uçtan uca denetimin test verisi.');
  await rep.selectOption('#f-partner-kind-0', 'foreign');
  await rep.fill('#f-partner-name-0', 'Gemeinde Beispieldorf (E2E)');
  await rep.fill('#f-partner-country-0', 'DE');
  await rep.selectOption('#f-partner-type-0', 'municipality');
  await rep.selectOption('#f-partner-kind-1', 'member');
  await rep.selectOption('#f-partner-municipality-1', 'bursa-osmangazi');
  await shot(rep, 'application-new');
  const created = await submit(rep, rep.locator('section[aria-labelledby="edit-title"] form button[type="submit"]'));
  expect(created && created.status() === 200, `the application saved: ${created && created.status()}`);
  const m = rep.url().match(/\/tr\/workspace\/applications\/(\d+)/);
  if (!m) throw new Error(`not on the new application's page: ${rep.url()} — ${await text(rep.locator('main'))}`);
  const APP = `/tr/workspace/applications/${m[1]}`;
  const facts = await text(rep.locator('section[aria-labelledby="details-title"]'));
  expect(facts.includes('Fikir'), `the new application is at the idea stage: ${facts}`);
  expect(facts.includes('180000.75 EUR'), `the requested amount, exact: ${facts}`);
  const partners = rep.locator('table.partners tbody tr');
  expect((await partners.count()) === 2, `two partners: ${await partners.count()}`);
  expect((await partners.filter({ hasText: 'Gemeinde Beispieldorf (E2E)' }).filter({ hasText: 'Almanya' }).count()) === 1, 'the foreign partner with its country (DE: Almanya)');
  expect((await partners.filter({ hasText: 'Osmangazi' }).count()) === 1, 'the member partner');
  expect((await rep.locator(`section[aria-labelledby="call-title"] a[href$="/tr/funding/calls/${eligibleId}"]`).count()) === 1, 'the call is linked');
  expect((await rep.locator('table.deadlines tbody tr').count()) === 1, 'the call\'s deadline is shown');
  await shot(rep, 'application');

  step = 'the representative adds a document';
  const pdf = Buffer.from('%PDF-1.4\n% e2e funding journey, test data\n%%EOF\n', 'latin1');
  await rep.setInputFiles('#f-document', { name: 'e2e-basvuru-formu.pdf', mimeType: 'application/pdf', buffer: pdf });
  const uploaded = await submit(rep, rep.locator('section[aria-labelledby="documents-title"] form button[type="submit"]'));
  expect(uploaded && uploaded.status() === 200, `the document uploaded: ${uploaded && uploaded.status()}`);
  const docs = rep.locator('table.documents tbody tr', { hasText: 'e2e-basvuru-formu.pdf' });
  expect((await docs.count()) === 1, `the document is listed: ${await text(rep.locator('section[aria-labelledby="documents-title"]'))}`);
  if ((await docs.count()) === 1) {
    const href = await docs.locator('a[download]').getAttribute('href');
    const file = await rep.context().request.get(new URL(href, rep.url()).toString());
    expect(file.status() === 200 && (await file.body()).equals(pdf), `the document reads back as uploaded: ${file.status()}`);
  }

  step = 'the application moves to submitted and awarded';
  const moves = [
    ['partner_search', 'Ortak arama'],
    ['drafting', 'Hazırlık'],
    ['submitted', 'Sunuldu'],
    ['awarded', 'Kabul edildi'],
  ];
  const history = rep.locator('table.history tbody tr');
  const first = await history.count();
  for (const [i, [stage, label]] of moves.entries()) {
    await open(rep, APP);
    await rep.selectOption('#f-stage', stage);
    await rep.fill('#f-on', today());
    const res = await submit(rep, rep.locator('section[aria-labelledby="stage-title"] form button[type="submit"]'));
    expect(res && res.status() === 200, `moved to ${stage}: ${res && res.status()}`);
    const badge = await text(rep.locator('section[aria-labelledby="details-title"] .badge'));
    expect(badge === label, `the stage is ${label}: '${badge}'`);
    expect((await history.count()) === first + i + 1, `the history has ${first + i + 1} rows: ${await history.count()}`);
    const last = await text(history.last());
    expect(last.includes(label), `the last move is to ${label}: '${last}'`);
    if (stage === 'submitted') await shot(rep, 'application-submitted');
  }
  const dated = await history.locator('td:first-child').allTextContents();
  expect(dated.every((d) => /\d/.test(d)), `every move is dated: ${dated}`);
  expect((await rep.locator('#f-stage').count()) === 0, 'no move is offered after the award');
  await shot(rep, 'application-awarded');

  step = 'the award made a project';
  const projectLink = rep.locator('section[aria-labelledby="details-title"] a.project-link');
  expect((await projectLink.count()) === 1, 'the awarded application links to its project');
  const pm = ((await projectLink.getAttribute('href').catch(() => '')) || '').match(/\/tr\/workspace\/projects\/(\d+)$/);
  if (!pm) throw new Error('no link from the awarded application to its project');
  const PROJECT = pm[1];

  step = 'staff publish the project';
  await open(staff, `/tr/workspace/projects/${PROJECT}`);
  const acronym = await staff.inputValue('#f-acronym');
  expect(acronym.trim().length > 0, `the project has an acronym: '${acronym}'`);
  const published = await submit(staff, staff.locator('section[aria-labelledby="publish-title"] button[type="submit"]'));
  expect(published && published.status() === 200, `published: ${published && published.status()}`);
  expect((await staff.locator(`section[aria-labelledby="facts-title"] a[href$="/tr/projects/${PROJECT}"]`).count()) === 1,
    'the workspace page links to the public page');
  await shot(staff, 'project-published');

  step = 'the public portfolio lists the project';
  const reader = await (await browser.newContext({ ...DESKTOP, locale: 'tr-TR' })).newPage();
  watch(reader);
  await open(reader, '/tr/projects');
  const entry = reader.locator(`table.projects a[href$="/tr/projects/${PROJECT}"]`);
  expect((await entry.count()) === 1, 'the anonymous portfolio lists the project');
  await shot(reader, 'portfolio');
  const xlsxHref = await reader.locator('p.downloads a[href*="/tr/projects.xlsx"]').getAttribute('href');
  await submit(reader, entry.first());
  expect(reader.url().endsWith(`/tr/projects/${PROJECT}`), `on the project's public page: ${reader.url()}`);
  const heading = await text(reader.locator('main h1'));
  expect(heading.includes(acronym) && heading.includes(APPLICATION), `the page names the project: '${heading}'`);
  const publicPartners = reader.locator('table.partners tbody tr');
  expect((await publicPartners.count()) === 3, `the lead and two partners: ${await publicPartners.count()}`);
  for (const name of ['Nilüfer', 'Gemeinde Beispieldorf (E2E)', 'Osmangazi']) {
    expect((await publicPartners.filter({ hasText: name }).count()) === 1, `${name} among the partners`);
  }
  const budget = await text(reader.locator('dd.budget'));
  expect(budget === '180.000,75 EUR', `the budget, exact: '${budget}'`);
  await shot(reader, 'project');

  step = 'the portfolio XLSX reads back with openpyxl';
  const xlsx = await reader.context().request.get(new URL(xlsxHref, reader.url()).toString());
  expect(xlsx.status() === 200, `the XLSX answers: ${xlsx.status()}`);
  expect((xlsx.headers()['content-type'] || '').includes('spreadsheetml'), `XLSX content type: ${xlsx.headers()['content-type']}`);
  const xlsxFile = join(OUT, 'projects-tr.xlsx');
  writeFileSync(xlsxFile, await xlsx.body());
  const row = {
    No: PROJECT,
    Kısaltma: acronym,
    Proje: APPLICATION,
    'Belediye kodu': ACCOUNTS.municipality,
    'Toplam bütçe': '180000.75',
    Hibe: '180000.75',
    'Para birimi': 'EUR',
    partners: ['Gemeinde Beispieldorf (E2E)', 'Osmangazi'],
    contains: { 'Lider ortak': 'Nilüfer', Program: 'BEBKA', 'Fon sağlayıcı': 'BEBKA' },
    url_path: `/tr/projects/${PROJECT}`,
  };
  const python = process.env.VENV ? join(process.env.VENV, 'bin', 'python') : join(HERE, '.venv', 'bin', 'python');
  const py = spawnSync(python, [join(HERE, 'projects_xlsx.py'), xlsxFile, JSON.stringify(row)], { encoding: 'utf8' });
  process.stdout.write(py.stdout || '');
  expect(py.status === 0, `projects_xlsx.py: exit ${py.status} ${py.error || ''} ${py.stderr || ''}`);
} catch (err) {
  problem('exception', String(err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}

if (problems.length) {
  console.log(`funding: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('funding: 2 imported calls given programmes, eligible/not eligible on the dashboard and call pages, a search saved, an application (with a document) moved to awarded, its project published, listed, and read back from the XLSX');

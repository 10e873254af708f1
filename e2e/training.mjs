// The capacity-building journey (issue 11) in a real (headless) Chromium, against a running ldp with the e2e
// accounts (an admin and three representatives of one municipality):
//
//   BASE_URL=… LDP_E2E_ADMIN_EMAIL=… LDP_E2E_REP_EMAIL=… LDP_E2E_REP2_EMAIL=… LDP_E2E_REP3_EMAIL=… \
//     LDP_E2E_PASSWORD=… node training.mjs
//
// 1. The admin creates a training through the workspace form (Turkish title with this run's marker, a topic,
//    host municipality, an online link, one session a few days from today in Istanbul time, audience member
//    staff, 2 seats, an organiser) and publishes it from the event's workspace page.
// 2. Three representatives, each in a browser context of their own, register themselves from that page: the
//    first two are confirmed, the third is waitlisted ("my registrations" on /tr/workspace/events says so).
// 3. The first cancels; the third sees the seat offered, with its deadline, takes it and is confirmed.
// 4. The admin ticks the two confirmed attendees on the check-in page for the session and saves.
// 5. The admin issues the certificates on the event's certificates page: two are issued.
// 6. The third representative finds the certificate under "my certificates", follows the link to the public
//    verification page (valid, their name, the training), and the PDF behind its link starts with %PDF.
// Screenshots: out/screenshots/training-*.png (1280 px, full page).
//
// Fails (exit 1) on a console error, an uncaught page error, a response >= 500, a response >= 400 no step
// expects, or an expectation that does not hold.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, checks, credentials, launch, signIn, submit, DESKTOP } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots');
const BASE = baseUrl();
const ACCOUNTS = credentials();
const REP2 = process.env.LDP_E2E_REP2_EMAIL;
const REP3 = process.env.LDP_E2E_REP3_EMAIL;
if (!REP2 || !REP3) {
  console.error('LDP_E2E_REP2_EMAIL and LDP_E2E_REP3_EMAIL must be set (scripts/check-product.sh creates them)');
  process.exit(2);
}
const RUN = Date.now().toString(36);
const TITLE = `Uluslararası projelere erişim eğitimi e2e ${RUN}`;

/** A day a few days from today, as Istanbul (UTC+3, no daylight saving) counts days: YYYY-MM-DD. */
function dayFromNow(days) {
  const istanbul = new Date(Date.now() + 3 * 3600 * 1000 + days * 86400 * 1000);
  return istanbul.toISOString().slice(0, 10);
}
const DAY = dayFromNow(5);
const SESSION = `${DAY} 10:00-16:00`;

mkdirSync(SHOTS, { recursive: true });
for (const f of readdirSync(SHOTS)) if (f.startsWith('training-')) rmSync(join(SHOTS, f), { force: true });

const { problems, problem, expect, watch, shot } = checks({ step: () => step, shots: SHOTS, prefix: 'training' });
let step = 'start';

/** The main element's text with whitespace collapsed. */
async function mainText(page) {
  return ((await page.locator('main').textContent()) || '').replace(/\s+/g, ' ');
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

/** The row of this run's training in "my registrations" on /tr/workspace/events. */
async function myRow(page) {
  await page.goto(`${BASE}/tr/workspace/events`, { waitUntil: 'load' });
  const section = page.locator('section[aria-labelledby="mine-title"]');
  return section.locator('tbody tr', { hasText: TITLE });
}

const browser = await launch();
try {
  step = 'staff create the training';
  const staff = await person(browser, ACCOUNTS.admin);
  await staff.goto(`${BASE}/tr/workspace/events/new`, { waitUntil: 'load' });
  await staff.selectOption('#f-kind', 'training');
  await staff.fill('#f-title_tr', TITLE);
  await staff.fill('#f-title_en', `Access to international projects training e2e ${RUN}`);
  await staff.fill('#f-summary_tr', 'Belediye personeli için AB ve uluslararası fonlara başvuru eğitimi.');
  await staff.check('input[name="topic"][value="international_projects"]');
  await staff.fill('#f-sessions', SESSION);
  await staff.selectOption('#f-host', 'bursa-nilufer');
  await staff.fill('#f-online_url', 'https://meet.example.org/ldp-egitim');
  await staff.selectOption('#f-audience', 'member_staff');
  await staff.check('input[name="language"][value="tr"]');
  await staff.fill('#f-organiser', 'Yerel Diplomasi Platformu');
  await staff.fill('#f-capacity', '2');
  await shot(staff, 'new-filled');
  const created = await submit(staff, staff.locator('form.form button[type="submit"]'));
  expect(created && created.status() === 200, `created: ${created && created.status()}`);
  const match = staff.url().match(/\/tr\/workspace\/events\/(\d+)/);
  if (!match) throw new Error(`not on the new event's page: ${staff.url()} — ${await mainText(staff)}`);
  const EVENT = match[1];
  const EVENT_PAGE = `${BASE}/tr/workspace/events/${EVENT}`;
  expect((await staff.locator('main .badge').first().textContent()).includes('Taslak'), 'the new training is a draft');

  step = 'staff publish it';
  const published = await submit(staff, staff.locator('button[name="status"][value="published"]'));
  expect(published && published.status() === 200, `published: ${published && published.status()}`);
  expect((await staff.locator('main .badge').first().textContent()).includes('Yayında'), 'the training is published');
  await shot(staff, 'published');

  step = 'three representatives register';
  const reps = [];
  for (const email of [ACCOUNTS.representative, REP2, REP3]) {
    const rep = await person(browser, email);
    await rep.goto(EVENT_PAGE, { waitUntil: 'load' });
    const form = rep.locator('form[action$="/registrations"]');
    if (!expect((await form.count()) === 1, `${email} sees the registration form`)) continue;
    const done = await submit(rep, form.locator('button[type="submit"]'));
    expect(done && done.status() === 200, `${email} registered: ${done && done.status()}`);
    reps.push(rep);
  }
  if (reps.length !== 3) throw new Error('not all three representatives could register');
  const [first, second, third] = reps;
  for (const [i, rep] of [[1, first], [2, second]]) {
    const row = await myRow(rep);
    const text = (await row.first().textContent()) || '';
    expect(text.includes('Onaylandı'), `representative ${i} is confirmed: ${text.replace(/\s+/g, ' ')}`);
  }
  let row3 = await myRow(third);
  const waiting = ((await row3.first().textContent()) || '').replace(/\s+/g, ' ');
  expect(waiting.includes('Bekleme listesinde'), `representative 3 is waitlisted: ${waiting}`);
  await shot(third, 'waitlisted');
  await staff.goto(EVENT_PAGE, { waitUntil: 'load' });
  const listed = await staff.locator('section[aria-labelledby="registrations-title"] tbody tr').count();
  expect(listed === 3, `staff see three registrations: ${listed}`);
  await shot(staff, 'registrations');

  step = 'the first representative cancels';
  const row1 = await myRow(first);
  const cancelled = await submit(first, row1.first().locator('form[action$="/cancel"] button'));
  expect(cancelled && cancelled.status() === 200, `cancelled: ${cancelled && cancelled.status()}`);
  const after = ((await (await myRow(first)).first().textContent()) || '').replace(/\s+/g, ' ');
  expect(after.includes('İptal edildi'), `the first registration is cancelled: ${after}`);

  step = 'the waitlisted representative takes the offered seat';
  row3 = await myRow(third);
  const offered = ((await row3.first().textContent()) || '').replace(/\s+/g, ' ');
  expect(offered.includes('Yer teklif edildi'), `a seat is offered: ${offered}`);
  expect(offered.includes('Yer teklifinin son tarihi:'), `the offer shows its deadline: ${offered}`);
  await shot(third, 'offered');
  const accepted = await submit(third, row3.first().locator('form[action$="/accept"] button'));
  expect(accepted && accepted.status() === 200, `accepted: ${accepted && accepted.status()}`);
  const confirmed = ((await (await myRow(third)).first().textContent()) || '').replace(/\s+/g, ' ');
  expect(confirmed.includes('Onaylandı'), `the third registration is confirmed: ${confirmed}`);
  await shot(third, 'accepted');

  step = 'staff check the attendees in';
  await staff.goto(`${EVENT_PAGE}/check-in`, { waitUntil: 'load' });
  const boxes = staff.locator('input[type="checkbox"][name="present"]');
  expect((await boxes.count()) === 2, `two confirmed attendees to tick: ${await boxes.count()}`);
  for (const box of await boxes.all()) await box.check();
  const saved = await submit(staff, staff.locator('form[method="post"]:not([action$="/code"]) button[type="submit"]', { hasText: 'Yoklamayı kaydet' }));
  expect(saved && saved.status() === 200, `check-in saved: ${saved && saved.status()}`);
  expect((await mainText(staff)).includes('Kaydedildi'), 'the check-in page says saved');
  const ticked = await staff.locator('input[name="present"]').evaluateAll((els) => els.map((e) => e.checked));
  expect(ticked.length === 2 && ticked.every(Boolean), `both are checked in: ${JSON.stringify(ticked)}`);
  expect((await staff.locator('#list-title').textContent()).includes('(2)'), 'the list counts two present');
  await shot(staff, 'checked-in');

  step = 'staff issue the certificates';
  await staff.goto(EVENT_PAGE, { waitUntil: 'load' });
  const certLink = staff.locator('#certificates-link');
  expect((await certLink.count()) === 1, 'the event page links to its certificates');
  await submit(staff, certLink);
  expect(staff.url().endsWith(`/tr/workspace/events/${EVENT}/certificates`), `on the certificates page: ${staff.url()}`);
  const issued = await submit(staff, staff.locator('#issue-certificates'));
  expect(issued && issued.status() === 200, `issued: ${issued && issued.status()}`);
  const notice = ((await staff.locator('#issued').textContent().catch(() => '')) || '').replace(/\s+/g, ' ');
  expect(/: 2\b/.test(notice), `two certificates issued: '${notice}'`);
  const certRows = await staff.locator('#certificates tbody tr').count();
  expect(certRows === 2, `two certificates listed: ${certRows}`);
  await shot(staff, 'certificates');

  step = 'the representative verifies their certificate';
  await third.goto(`${BASE}/tr/workspace/events`, { waitUntil: 'load' });
  const mine = third.locator('#my-certificates tbody tr', { hasText: TITLE });
  expect((await mine.count()) === 1, 'one certificate of this training under "my certificates"');
  await shot(third, 'my-certificates');
  const verify = mine.first().locator('a[href*="/certificates/"]:not([href$=".pdf"])');
  const code = ((await verify.textContent()) || '').trim();
  await submit(third, verify);
  expect(third.url().endsWith(`/tr/certificates/${code}`), `on the verification page: ${third.url()}`);
  expect((await third.locator('#certificate-status').getAttribute('data-status')) === 'valid', 'the certificate is valid');
  expect(((await third.locator('#certificate-status').textContent()) || '').includes('Geçerli'), 'the page says Geçerli');
  const facts = ((await third.locator('#certificate-facts').textContent()) || '').replace(/\s+/g, ' ');
  expect(facts.includes('E2E Temsilci Üç'), `the certificate names the person: ${facts}`);
  expect(facts.includes(TITLE), `the certificate names the training: ${facts}`);
  await shot(third, 'verification');
  const pdfHref = await third.locator('#certificate-pdf').getAttribute('href');
  const pdf = await third.context().request.get(new URL(pdfHref, third.url()).toString());
  const bytes = await pdf.body();
  expect(pdf.status() === 200, `the PDF answers: ${pdf.status()}`);
  expect(bytes.subarray(0, 4).toString('latin1') === '%PDF', `the PDF starts with %PDF: ${JSON.stringify(bytes.subarray(0, 8).toString('latin1'))}`);
  expect((pdf.headers()['content-type'] || '').startsWith('application/pdf'), `PDF content type: ${pdf.headers()['content-type']}`);
} catch (err) {
  problem('exception', String(err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}

if (problems.length) {
  console.log(`training: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('training: created, published, 3 registrations (1 waitlisted), cancel, offer taken, check-in, 2 certificates, verified, PDF');

// The communications journey (issue 12) in a real (headless) Chromium, against a running ldp with the e2e
// accounts and the folder its mail goes to:
//
//   BASE_URL=… LDP_E2E_ADMIN_EMAIL=… LDP_E2E_PASSWORD=… LDP_E2E_MAIL_DIR=<data>/mail node comms.mjs
//
// 1. The admin routes the "membership" topic to a team of this run's own (the inbox's rules page).
// 2. A visitor (no session) opens /tr/contact from the home page's link, sends the form with the KVKK consent
//    ticked (after the time trap's few seconds, as a person would), sees the confirmation page with a reference
//    number, and the e-mailed receipt with the same reference lands in the mail folder.
// 3. The admin finds the message in that team's inbox (filter by team), opens it, replies; the reply is kept on
//    the message page and mailed to the visitor.
// 4. The admin edits the Local Diplomacy page (Turkish) and publishes it: the next anonymous visitor sees the new
//    text at once, though the server's page cache held the page (two visits warmed it). Restoring the revision
//    that was published before brings the old text back. (Each visit is a fresh browser context: a public page
//    may sit in a browser's own cache for its max-age, which is HTTP working as meant, not the server's cache.)
// Screenshots: out/screenshots/comms-*.png (1280 px, full page).
//
// Fails (exit 1) on a console error, an uncaught page error, a response >= 500, a response >= 400 no step
// expects, or an expectation that does not hold.

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, checks, credentials, launch, signIn, submit, DESKTOP } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT_DIR || join(HERE, 'out');
const SHOTS = join(OUT, 'screenshots');
const BASE = baseUrl();
const ACCOUNTS = credentials();
const MAIL_DIR = process.env.LDP_E2E_MAIL_DIR;
if (!MAIL_DIR) {
  console.error('LDP_E2E_MAIL_DIR is not set (the folder ldp writes .eml files to)');
  process.exit(2);
}
const RUN = Date.now().toString(36);
const TEAM = `uyelik-${RUN}`;
const VISITOR = `ziyaretci-${RUN}@example.org`;
const MARKER = `Yerel diplomasi e2e ${RUN}: kardeş şehir çalıştayı`;

mkdirSync(SHOTS, { recursive: true });
for (const f of readdirSync(SHOTS)) if (f.startsWith('comms-')) rmSync(join(SHOTS, f), { force: true });

const { problems, problem, expect, watch, shot } = checks({
  step: () => step,
  shots: SHOTS,
  prefix: 'comms',
  allowed: (s) => expectedStatuses.has(s),
});
let step = 'start';
let expectedStatuses = new Set();

/** The text of every .eml in the mail folder, with quoted-printable soft breaks and base64 parts decoded. */
function mails() {
  let files = [];
  try {
    files = readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.map((f) => {
    const raw = readFileSync(join(MAIL_DIR, f), 'utf8');
    const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    const decoded = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)]
      .map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('utf8'))
      .join('\n');
    // Quoted-printable bytes of UTF-8 come out as Latin-1 characters above; re-read them as UTF-8.
    return `${raw}\n${Buffer.from(qp, 'latin1').toString('utf8')}\n${decoded}`;
  });
}

/**
 * The public page as a new visitor sees it: a fresh browser context each time, so that the browser's own HTTP
 * cache (public pages may be kept max-age seconds) plays no part and what shows is what the server sends.
 */
async function visit(browser, path) {
  const context = await browser.newContext({ ...DESKTOP, locale: 'tr-TR' });
  const page = await context.newPage();
  watch(page);
  const res = await page.goto(`${BASE}${path}`, { waitUntil: 'load' });
  const text = await page.locator('main').textContent();
  return { page, context, status: res.status(), text };
}

/** Waits (polling, up to 20 s) for a mail in the folder that contains every one of `needles`. */
async function waitForMail(needles) {
  for (let i = 0; i < 100; i++) {
    const found = mails().find((m) => needles.every((n) => m.includes(n)));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

const browser = await launch();
try {
  const staffContext = await browser.newContext({ ...DESKTOP, locale: 'tr-TR' });
  const staff = await staffContext.newPage();
  watch(staff);
  const reader = await (await browser.newContext({ ...DESKTOP, locale: 'tr-TR' })).newPage();
  watch(reader);

  step = 'staff signs in and routes membership to a team';
  const signed = await signIn(staff, BASE, { email: ACCOUNTS.admin, password: ACCOUNTS.password });
  expect(signed && signed.status() === 200, `sign-in: ${signed && signed.status()}`);
  await staff.goto(`${BASE}/tr/workspace/inbox/rules`, { waitUntil: 'load' });
  const ruleForm = staff.locator('form.inline-form', { has: staff.locator('input[name="topic"][value="membership"]') });
  await ruleForm.locator('input[name="team"]').fill(TEAM);
  const ruled = await submit(staff, ruleForm.locator('button[type="submit"]'));
  expect(ruled && ruled.status() === 200, `rule saved: ${ruled && ruled.status()}`);
  expect((await staff.locator('input[name="team"]').evaluateAll((els) => els.map((e) => e.value))).includes(TEAM),
    'the rules page shows the new team');

  step = 'a visitor sends the contact form';
  await reader.goto(`${BASE}/tr/`, { waitUntil: 'load' });
  const contactLink = reader.locator('a[href="/tr/contact"]').first();
  expect((await contactLink.count()) >= 1, 'the home page links to the contact form');
  await submit(reader, contactLink);
  expect(reader.url().endsWith('/tr/contact'), `on the contact page: ${reader.url()}`);
  expect(!(await reader.locator('input[name="consent"]').isChecked()), 'the consent box starts unticked');
  await reader.fill('#f-name', 'Ayşe Yılmaz');
  await reader.fill('#f-email', VISITOR);
  await reader.fill('#f-organisation', 'Örnek Kardeş Şehir Derneği');
  await reader.check('input[name="topic"][value="membership"]');
  await reader.fill('#f-message', `Birliğe üyelik koşullarını öğrenmek istiyorum (${RUN}).`);
  await reader.check('input[name="consent"]');
  await shot(reader, 'contact-filled');
  // A person takes longer than the time trap's minimum to fill the form in.
  await reader.waitForTimeout(3500);
  const sent = await submit(reader, reader.locator('form.form button[type="submit"]'));
  expect(sent && sent.status() === 200, `sent: ${sent && sent.status()}`);
  const reference = ((await reader.locator('.reference').first().textContent()) || '').trim();
  expect(/^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(reference), `a reference number on the confirmation: '${reference}'`);
  await shot(reader, 'contact-sent');
  const receipt = await waitForMail([VISITOR, reference]);
  expect(receipt, `an e-mailed receipt to ${VISITOR} naming ${reference}`);

  step = "the message is in the team's inbox";
  await staff.goto(`${BASE}/tr/workspace/inbox?status=all&team=${encodeURIComponent(TEAM)}`, { waitUntil: 'load' });
  const rows = await staff.locator('table.inbox tbody tr').allTextContents();
  expect(rows.length === 1 && rows[0].includes(reference), `one message for ${TEAM}: ${JSON.stringify(rows)}`);
  await shot(staff, 'inbox');
  await submit(staff, staff.locator(`table.inbox a:has-text("${reference}")`));
  expect((await staff.locator('main').textContent()).includes('Birliğe üyelik koşullarını'), 'the message page shows the text');

  step = 'staff reply by e-mail';
  const replyText = `Merhaba, üyelik koşulları ekteki sayfada (${RUN}).`;
  await staff.fill('#f-reply', replyText);
  const replied = await submit(staff, staff.locator('form[action$="/reply"] button[type="submit"]'));
  expect(replied && replied.status() === 200, `reply: ${replied && replied.status()}`);
  expect((await staff.locator('main').textContent()).includes(replyText), 'the reply is kept on the message page');
  await shot(staff, 'replied');
  expect(await waitForMail([VISITOR, `(${RUN})`, 'ekteki sayfada']), 'the reply is mailed to the visitor');
  await staff.goto(`${BASE}/tr/workspace/inbox?status=all&team=${encodeURIComponent(TEAM)}`, { waitUntil: 'load' });
  const status = await staff.locator('table.inbox tbody tr').first().textContent();
  expect(status.includes('Yanıtlandı'), `the message is answered: ${status}`);

  step = 'staff edit the Local Diplomacy page';
  const first = await visit(browser, '/tr/local-diplomacy');
  expect(first.status === 200, 'the public page answers');
  const before = first.text;
  expect(!before.includes(MARKER), 'the marker is not there yet');
  await first.context.close();
  await (await visit(browser, '/tr/local-diplomacy')).context.close(); // the server's page cache holds it now
  await staff.goto(`${BASE}/tr/workspace/pages/local-diplomacy/tr`, { waitUntil: 'load' });
  const publishedRow = staff.locator('table.revisions tbody tr', { has: staff.locator('.badge:not(.warn)') });
  const oldId = ((await publishedRow.first().getAttribute('id')) || '').replace('revision-', '');
  expect(/^\d+$/.test(oldId), `the published revision: '${oldId}'`);
  const body = await staff.inputValue('#f-body');
  await staff.fill('#f-body', `${body.trim()}\n\n${MARKER}\n`);
  const saved = await submit(staff, staff.locator('button[name="action"][value="publish"]'));
  expect(saved && saved.status() === 200, `published: ${saved && saved.status()}`);
  await shot(staff, 'page-published');
  const fresh = await visit(browser, '/tr/local-diplomacy');
  expect(fresh.text.includes(MARKER), 'the public page shows the new text at once');
  await fresh.page.screenshot({ path: join(SHOTS, 'comms-local-diplomacy-new.png'), fullPage: true });
  await fresh.context.close();

  step = 'restoring the old revision brings the old text back';
  await staff.goto(`${BASE}/tr/workspace/pages/local-diplomacy/tr`, { waitUntil: 'load' });
  const restored = await submit(staff, staff.locator(`#revision-${oldId} form button[type="submit"]`));
  expect(restored && restored.status() === 200, `restored: ${restored && restored.status()}`);
  const back = await visit(browser, '/tr/local-diplomacy');
  expect(!back.text.includes(MARKER), 'the new text is gone from the public page');
  expect(back.text.replace(/\s+/g, ' ').trim() === before.replace(/\s+/g, ' ').trim(), 'the old text is back, as it was');
  await back.page.screenshot({ path: join(SHOTS, 'comms-local-diplomacy-restored.png'), fullPage: true });
  await back.context.close();
} catch (err) {
  problem('exception', String(err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}

if (problems.length) {
  console.log(`comms: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('comms: the contact form, receipt, routed inbox, reply, page edit and restore all held');

// upload-page.mjs: drives the member's upload page in Debian's headless chromium,
// as a member would: pick the archive, see the counts, send, read the answer.
//
//   node upload-page.mjs URL FILE...     (FILE: the X archive zip, or .js files)
//
// Prints one JSON line on stdout:
//   {"counts_text": "...", "message": "...", "ok": true|false, "progress_seen": true|false}
// counts_text is what #found showed once the files were read, message what #status
// showed at the end (the server's message, or the page's own error), ok whether the
// page ended in its success state (#status[data-state=ok]), progress_seen whether the
// progress bar ever got a value from xhr.upload.onprogress. Exits 0 once the page
// showed a final message, 1 with a reason on stderr otherwise (60 s overall).
// Set SCREENSHOT=file.png to also save a full-page screenshot at the end.
//
// The page's contract (src/www/upload.*.html, upload.js): #file the input,
// #send the button, #found the counts (data-state busy|ready|error), #progress
// the bar, #status the final message (data-state busy|ok|error).
import { chromium } from 'playwright-core';

const TIMEOUT_MS = 60_000;
const [url, ...files] = process.argv.slice(2);
if (!url || !files.length) {
  process.stderr.write('usage: node upload-page.mjs URL ZIPFILE...\n');
  process.exit(1);
}

let browser = null, failing = false;
const fail = async (reason) => {
  if (failing) return;   // the deadline closes the browser: the step it interrupts fails too
  failing = true;
  process.stderr.write(`upload-page: ${reason}\n`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
};
// One deadline for the whole run, whatever step hangs.
const deadline = setTimeout(() => fail(`no final message within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);

try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: TIMEOUT_MS,
  });
  const page = await browser.newPage();   // a fresh context: no cookies, no cache
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on('pageerror', (e) => process.stderr.write(`upload-page: page error: ${e.message}\n`));
  page.on('console', (m) => {
    if (m.type() === 'error') process.stderr.write(`upload-page: console: ${m.text()}\n`);
  });

  const res = await page.goto(url);
  if (!res || !res.ok()) await fail(`GET ${url}: ${res ? res.status() : 'no response'}`);

  // Remember whether upload.js ever sets the bar's value (it does so only from onprogress).
  await page.evaluate(() => {
    const bar = document.getElementById('progress');
    window.__progressSeen = false;
    new MutationObserver(() => { if (bar.hasAttribute('value')) window.__progressSeen = true; })
      .observe(bar, { attributes: true, attributeFilter: ['value'] });
  });

  await page.setInputFiles('#file', files);
  // The counts, or an error reading the files (then nothing is sent).
  await page.waitForSelector('#found[data-state=ready], #status[data-state=error]');
  // innerText keeps the paragraphs apart; one line for the caller.
  const text = async (sel) => (await page.innerText(sel)).replace(/\s+/g, ' ').trim();
  const countsText = await text('#found');

  if ((await page.getAttribute('#status', 'data-state')) !== 'error') {
    await page.click('#send');
    await page.waitForSelector('#status[data-state=ok], #status[data-state=error]');
  }
  const out = {
    counts_text: countsText,
    message: await text('#status'),
    ok: (await page.getAttribute('#status', 'data-state')) === 'ok',
    progress_seen: await page.evaluate(() => window.__progressSeen),
  };
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  process.stdout.write(JSON.stringify(out) + '\n');
  clearTimeout(deadline);
  await browser.close();
  process.exit(0);
} catch (e) {
  await fail(e && e.message ? e.message.split('\n')[0] : String(e));
}

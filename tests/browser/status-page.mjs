// status-page.mjs: opens the team's /status page in Debian's headless chromium and
// reports what a person sees on it.
//
//   node status-page.mjs URL
//
// Prints one JSON line on stdout:
//   {"status": 200, "csp": "...", "bars": N, "bar_titles": [...], "chart_width": px,
//    "chart_label": "...", "figures": {"members-mastodon": "3", ...},
//    "outbox": {"reply": {"queued": "0", ...}, ...}, "delivered": "...",
//    "scheduled": [{"when", "kind", "bot", "text"}], "scripts": N, "errors": [...]}
// bars counts the chart's bar groups (one per day), figures the summary's values by
// id, outbox the table's cells by kind and state, scheduled the rows of the next
// posts, as rendered text (innerText). scripts counts <script> elements, errors
// lists console errors and page errors (a Content-Security-Policy violation is
// one). Exits 0 once the page was read, 1 with a reason on stderr otherwise (60 s).
// Set SCREENSHOT=file.png to also save a full-page screenshot.
import { chromium } from 'playwright-core';

const TIMEOUT_MS = 60_000;
const [url] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: node status-page.mjs URL\n');
  process.exit(1);
}

let browser = null, failing = false;
const fail = async (reason) => {
  if (failing) return;
  failing = true;
  process.stderr.write(`status-page: ${reason}\n`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
};
const deadline = setTimeout(() => fail(`page not read within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);

try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: TIMEOUT_MS,
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.setDefaultTimeout(TIMEOUT_MS);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });

  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res) await fail(`GET ${url}: no response`);
  const headers = res.headers();

  const seen = await page.evaluate(() => {
    const text = (el) => (el ? el.innerText.replace(/\s+/g, ' ').trim() : null);
    const svg = document.querySelector('#registrations svg');
    const figures = {};
    for (const dd of document.querySelectorAll('#figures dd')) figures[dd.id] = text(dd);
    const outbox = {};
    for (const tr of document.querySelectorAll('#outbox tr[data-kind]')) {
      const row = {};
      for (const td of tr.querySelectorAll('td[data-state]')) row[td.dataset.state] = text(td);
      outbox[tr.dataset.kind] = row;
    }
    const scheduled = [...document.querySelectorAll('#scheduled tbody tr')].map((tr) => {
      const td = tr.querySelectorAll('td');
      return { when: text(td[0]), kind: text(td[1]), bot: text(td[2]), text: text(td[3]) };
    });
    return {
      bars: svg ? svg.querySelectorAll('g.bar').length : 0,
      bar_titles: svg ? [...svg.querySelectorAll('g.bar > title')].map((t) => t.textContent) : [],
      chart_width: svg ? Math.round(svg.getBoundingClientRect().width) : 0,
      chart_label: svg ? svg.getAttribute('aria-label') : null,
      figures,
      outbox,
      delivered: text(document.getElementById('delivered')),
      scheduled,
      rendered: text(document.getElementById('rendered')),
      scripts: document.getElementsByTagName('script').length,
    };
  });
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  process.stdout.write(JSON.stringify({
    status: res.status(), csp: headers['content-security-policy'] || null, ...seen, errors,
  }) + '\n');
  clearTimeout(deadline);
  await browser.close();
  process.exit(0);
} catch (e) {
  await fail(e && e.message ? e.message.split('\n')[0] : String(e));
}

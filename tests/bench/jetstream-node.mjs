// jetstream-node: the Node side of bench-jetstream's comparison.  Reads
// the event pool bench-jetstream wrote (QUITX_BENCH_NDJSON), cycles it
// for 1,000,000 events as the C side does, and does per event what a Node Jetstream client does before any filter can run
// (@skyware/jetstream and @atcute/jetstream both JSON.parse every
// message), then the same filter as quitx: a mention facet of a bot, a
// reply under a bot's post, a follow of a bot.  Prints events/s and RSS.
import { readFileSync } from 'node:fs';

const bots = new Set(['did:plc:ewvi7nxzyoun6zhxrhs64oiz',
  'did:plc:4hqjfn7m6n5hno3doamuhgef']);
const lines = readFileSync(process.argv[2], 'utf8').split('\n')
  .filter((l) => l.length > 0);

function concerns(ev) {
  if (ev.kind !== 'commit' || ev.commit.operation !== 'create' ||
      bots.has(ev.did)) return false;
  const r = ev.commit.record;
  if (ev.commit.collection === 'app.bsky.graph.follow')
    return bots.has(r.subject);
  if (ev.commit.collection !== 'app.bsky.feed.post') return false;
  for (const f of r.facets ?? [])
    for (const feat of f.features ?? [])
      if (feat.$type === 'app.bsky.richtext.facet#mention' &&
          bots.has(feat.did)) return true;
  const did = (u) => (u ?? '').slice(5).split('/')[0];
  return r.reply != null && (bots.has(did(r.reply.parent?.uri)) ||
    bots.has(did(r.reply.root?.uri)));
}

const EVENTS = 1000000;
const rates = [];
let kept = 0;
for (let run = 0; run < 5; run++) {
  kept = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++)
    if (concerns(JSON.parse(lines[i % lines.length]))) kept++;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  rates.push(EVENTS / s);
}
rates.sort((a, b) => a - b);
console.log(`jetstream node (${process.version}): ${EVENTS} events, ` +
  `${kept} concerning the bots, median of 5 runs: ` +
  `${Math.round(rates[2])} events/s on one core; RSS ` +
  `${Math.round(process.memoryUsage().rss / 1024)} kB`);

// Started by stack.sh under Node 22 with loopback.cjs preloaded: the
// real Bluesky stack of @atproto/dev-env (a PLC directory, a PDS, the
// AppView, and what they need: bsync, ozone) in this one process, on
// the ports stack.sh chose.  Prints one line
//   {"ready":true,"pds":"http://localhost:P","plc":...,"bsky":...,"pid":N}
// when it serves, and closes everything on SIGTERM or SIGINT.
//
// Environment (set by stack.sh): QUITX_ATPROTO_DIR (the install folder),
// PDS_PORT PLC_PORT BSKY_PORT, DB_POSTGRES_URL, REDIS_HOST, TMPDIR;
// QUITX_ATPROTO_RATE_LIMITS=0 turns the PDS's rate limits off (they are
// on, as on bsky.social, with PDS_RATELIMIT_BYPASS_KEY as the
// x-ratelimit-bypass header's value that skips them).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.QUITX_ATPROTO_DIR;
if (!dir) {
	console.error('network.mjs: QUITX_ATPROTO_DIR is not set');
	process.exit(2);
}
const require = createRequire(join(dir, 'package.json'));
const { TestNetwork } = await import(
	pathToFileURL(require.resolve('@atproto/dev-env')).href);

const port = (name) => {
	const n = Number(process.env[name]);
	if (!Number.isInteger(n) || n <= 0) {
		console.error(`network.mjs: ${name} is not a port`);
		process.exit(2);
	}
	return n;
};

const rateLimits = process.env.QUITX_ATPROTO_RATE_LIMITS !== '0';
const t0 = Date.now();
let network;
try {
	network = await TestNetwork.create({
		dbPostgresSchema: 'quitx',
		plc: { port: port('PLC_PORT') },
		pds: {
			port: port('PDS_PORT'),
			hostname: 'localhost',
			rateLimitsEnabled: rateLimits,
			rateLimitBypassKey: process.env.PDS_RATELIMIT_BYPASS_KEY || undefined,
		},
		bsky: { port: port('BSKY_PORT') },
	});
} catch (err) {
	console.error('network.mjs: TestNetwork.create failed:', err);
	process.exit(1);
}

let closing = false;
const close = async (sig) => {
	if (closing) return;
	closing = true;
	console.log(JSON.stringify({ closing: sig }));
	const timer = setTimeout(() => {
		console.error('network.mjs: close took over 10 s; exiting');
		process.exit(1);
	}, 10_000);
	timer.unref();
	try {
		await network.close();
	} catch (err) {
		console.error('network.mjs: close failed:', err);
	}
	process.exit(0);
};
process.on('SIGTERM', () => close('SIGTERM'));
process.on('SIGINT', () => close('SIGINT'));

console.log(JSON.stringify({
	ready: true,
	pds: network.pds.url,
	plc: network.plc.url,
	bsky: network.bsky.url,
	ozone: network.ozone.url,
	pid: process.pid,
	rateLimits,
	ms: Date.now() - t0,
}));

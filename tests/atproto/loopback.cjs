// Preloaded (node --require) into the stack's process: every TCP server
// listens on 127.0.0.1 only, whatever host the services ask for (they
// ask for all interfaces).  Unix sockets and inherited handles are left
// as they are.
'use strict';
const net = require('node:net');

const HOST = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
	const a0 = args[0];
	if (a0 !== null && typeof a0 === 'object') {
		// listen(options[, cb]) or listen(handle[, backlog][, cb])
		const isOptions = Object.getPrototypeOf(a0) === Object.prototype;
		if (isOptions && a0.path === undefined && a0.handle === undefined &&
		    a0.fd === undefined) {
			args[0] = { ...a0, host: HOST, ipv6Only: false };
		}
	} else if (typeof a0 === 'number' ||
	           (typeof a0 === 'string' && /^\d+$/.test(a0))) {
		// listen(port[, host][, backlog][, cb])
		if (typeof args[1] === 'string' || args[1] === undefined && args.length > 1) {
			args[1] = HOST;
		} else {
			args.splice(1, 0, HOST);
		}
	} else if (a0 === undefined || a0 === null || typeof a0 === 'function') {
		// listen([cb]): any free port
		args = [0, HOST, ...args.filter((x) => typeof x === 'function')];
	}
	return listen.apply(this, args);
};

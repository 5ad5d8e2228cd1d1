'use strict';
/**
 * Preloaded with `node --require` into a child process under test: every TCP connection to an
 * address that is not loopback fails at once (before any DNS lookup) and is reported on stderr
 * as one JSON line, so a test can both keep the process off the network and see what it tried.
 */
const net = require('node:net');

const original = net.Socket.prototype.connect;
const isLoopback = (host) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

net.Socket.prototype.connect = function connect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = first !== null && typeof first === 'object' ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.path === undefined) {
    const host = options.host || 'localhost';
    if (!isLoopback(host)) {
      process.stderr.write(`${JSON.stringify({ event: 'test.connection_blocked', host, port: options.port })}\n`);
      process.nextTick(() => this.destroy(new Error(`connection to ${host} refused by the test's loopback-only guard`)));
      return this;
    }
  }
  return original.apply(this, args);
};

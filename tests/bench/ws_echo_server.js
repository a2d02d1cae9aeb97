// tests/bench/ws_echo_server.js: Node's `ws` package as a WebSocket echo server, for the
// comparison rows of `make bench` (lesson 12). tests/bench/run installs `ws` with npm into
// build/ (never committed) and starts this with NODE_PATH pointing there, pinned like every
// other server; duplex-bench ws-echo drives it exactly as it drives duplex-server's /echo.
//
//   node tests/bench/ws_echo_server.js [PORT]     prints ws://127.0.0.1:PORT/echo, then serves
//
// Settings as users run it for speed: permessage-deflate off (RFC 7692 is opt-in, and the
// Duplex echo does not compress either), UTF-8 validation on (RFC 6455 §8.1), 16 MiB messages
// like app::kEchoMaxMessage.
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 0);
const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  path: '/echo',
  perMessageDeflate: false,
  maxPayload: 16 * 1024 * 1024,
});
server.on('listening', () => {
  console.log(`ws://127.0.0.1:${server.address().port}/echo`);
});
server.on('connection', (socket) => {
  // Text stays text, binary stays binary (RFC 6455 §5.6), like the Duplex echo.
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

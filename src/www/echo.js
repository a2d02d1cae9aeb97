// The echo playground (lesson 11): send text or bytes to /echo-trace, show the echo and the
// server's frame trace that follows it.
'use strict';

const $ = id => document.getElementById(id);
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/echo-trace';
let socket = null;
let retry = 0;
let expectTrace = false;  // every echo is followed by exactly one trace message

function show(text, kind) {
  const item = document.createElement(kind === 'trace' ? 'code' : 'div');
  item.className = kind;
  item.textContent = text;
  $('frames').prepend(item);
}

function hex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join(' ');
}

function connect() {
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => {
    retry = 0;
    $('status').textContent = 'connected to ' + url;
    $('status').className = 'status';
  };
  socket.onmessage = event => {
    if (expectTrace) {
      expectTrace = false;
      // Shown above the echo it explains (newest first).
      const trace = JSON.parse(event.data);
      show(trace.text, 'trace');
      return;
    }
    expectTrace = true;
    if (typeof event.data === 'string') {
      show('< echo, text (' + new TextEncoder().encode(event.data).length + ' bytes): ' + event.data, 'received');
    } else {
      show('< echo, binary (' + event.data.byteLength + ' bytes): ' + hex(new Uint8Array(event.data)), 'received');
    }
  };
  socket.onclose = event => {
    const delay = Math.min(30000, 1000 * 2 ** retry++) * (0.5 + Math.random() / 2);
    expectTrace = false;
    $('status').textContent = 'Disconnected (code ' + event.code + (event.reason ? ', ' + event.reason : '') +
        '). Reconnecting in ' + Math.round(delay / 1000) + ' s…';
    $('status').className = 'status down';
    setTimeout(connect, delay);
  };
}

$('send-text').onclick = () => {
  if (socket.readyState !== WebSocket.OPEN) return;
  const text = $('text').value;
  show('> text: ' + text, 'sent');
  socket.send(text);
};
$('send-binary').onclick = () => {
  if (socket.readyState !== WebSocket.OPEN) return;
  const digits = $('text').value.replace(/[^0-9a-fA-F]/g, '');
  const bytes = new Uint8Array(Math.floor(digits.length / 2));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.substr(2 * i, 2), 16);
  show('> binary: ' + hex(bytes), 'sent');
  socket.send(bytes);
};

connect();

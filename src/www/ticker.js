// The ticker page (lesson 11): ticks over a WebSocket, drawn as they come.
'use strict';

const $ = id => document.getElementById(id);
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ticker';
const values = [];
let updates = 0;
let retry = 0;
let started = performance.now();

function draw() {
  const canvas = $('chart');
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (values.length < 2) return;
  const low = Math.min(...values) - 1;
  const high = Math.max(...values) + 1;
  context.beginPath();
  values.forEach((value, i) => {
    const x = (i / (values.length - 1)) * canvas.width;
    const y = canvas.height - ((value - low) / (high - low)) * canvas.height;
    if (i === 0) context.moveTo(x, y); else context.lineTo(x, y);
  });
  context.strokeStyle = '#1f4f8a';
  context.lineWidth = 2;
  context.stroke();
}

function connect() {
  const socket = new WebSocket(url);
  socket.onopen = () => {
    retry = 0;
    updates = 0;
    started = performance.now();
    $('status').textContent = 'connected to ' + url;
    $('status').className = 'status';
  };
  socket.onmessage = event => {
    const tick = JSON.parse(event.data);
    updates++;
    values.push(tick.value);
    if (values.length > 200) values.shift();
    $('value').textContent = tick.value;
    const seconds = (performance.now() - started) / 1000;
    $('info').textContent = updates + ' updates, last id ' + tick.id + ', ' +
        (seconds > 1 ? (updates / seconds).toFixed(1) : '…') + ' per second';
    draw();
  };
  socket.onclose = event => {
    const delay = Math.min(30000, 1000 * 2 ** retry++) * (0.5 + Math.random() / 2);
    $('status').textContent = 'Disconnected (code ' + event.code + '). Reconnecting in ' +
        Math.round(delay / 1000) + ' s…';
    $('status').className = 'status down';
    setTimeout(connect, delay);
  };
}

connect();

// The race page (lesson 11): the same ticker over short polling, long-polling, Server-Sent
// Events and a WebSocket, each lane with its delay and its bytes per update.
'use strict';

const lanes = {};
const firstSeen = new Map();  // event id -> the earliest time any lane showed it

function lane(name, label) {
  const row = document.createElement('tr');
  row.id = 'lane-' + name;
  row.innerHTML = '<td></td><td class="id">–</td><td class="val">–</td><td class="updates">0</td>' +
                  '<td class="delay">–</td><td class="bytes">–</td><td class="requests">0</td>';
  row.firstChild.textContent = label;
  document.getElementById('lanes').appendChild(row);
  lanes[name] = {row, last: 0, updates: 0, bytes: 0, requests: 0, seen: new Map()};
  return lanes[name];
}

// One event reached `entry`'s lane now.
function arrived(entry, event) {
  if (event.id <= entry.last) return;
  const now = performance.now();
  entry.last = event.id;
  entry.updates++;
  entry.seen.set(event.id, now);
  if (!firstSeen.has(event.id) || firstSeen.get(event.id) > now) firstSeen.set(event.id, now);
  entry.row.querySelector('.id').textContent = event.id;
  entry.row.querySelector('.val').textContent = event.value;
}

// The bytes of an HTTP/1.1 response head as the server sent it: status line, fields, CRLFs.
function headBytes(response) {
  let size = ('HTTP/1.1 ' + response.status + ' ' + (response.statusText || 'OK') + '\r\n').length + 2;
  response.headers.forEach((value, name) => { size += name.length + 2 + value.length + 2; });
  return size;
}

function chunkBytes(length) {
  return length.toString(16).length + 2 + length + 2;  // RFC 9112 §7.1: size CRLF data CRLF
}

function updateTable() {
  const ids = [...firstSeen.keys()].sort((a, b) => b - a).slice(10, 60);  // settled events only
  for (const entry of Object.values(lanes)) {
    let total = 0, count = 0;
    for (const id of ids) {
      if (entry.seen.has(id)) {
        total += entry.seen.get(id) - firstSeen.get(id);
        count++;
      }
    }
    entry.row.querySelector('.updates').textContent = entry.updates;
    entry.row.querySelector('.requests').textContent = entry.requests;
    entry.row.querySelector('.delay').textContent = count ? '+' + (total / count).toFixed(0) + ' ms' : '–';
    entry.row.querySelector('.bytes').textContent = entry.updates ? (entry.bytes / entry.updates).toFixed(0) : '–';
  }
  // Forget old events so that the page can run for hours.
  for (const id of firstSeen.keys()) if (id < (ids[ids.length - 1] || 0) - 100) firstSeen.delete(id);
  for (const entry of Object.values(lanes)) {
    for (const id of entry.seen.keys()) if (!firstSeen.has(id)) entry.seen.delete(id);
  }
}

async function poll(entry, path, pause) {
  // Start from now, like the other lanes: the backlog the server keeps is not a race.
  try {
    entry.last = (await (await fetch('/poll?since=0', {cache: 'no-store'})).json()).last;
  } catch (error) {
    entry.last = 0;
  }
  for (;;) {
    try {
      const response = await fetch(path + '?since=' + entry.last, {cache: 'no-store'});
      const body = await response.text();
      entry.requests++;
      entry.bytes += headBytes(response) + body.length;
      for (const event of JSON.parse(body).events) arrived(entry, event);
    } catch (error) {
      await new Promise(resolve => setTimeout(resolve, 1000));
    }
    if (pause) await new Promise(resolve => setTimeout(resolve, pause));
  }
}

function sse(entry) {
  const source = new EventSource('/events');
  source.onopen = () => { entry.requests++; };
  source.onmessage = message => {
    const line = 'id: ' + message.lastEventId + '\ndata: ' + message.data + '\n\n';
    entry.bytes += chunkBytes(line.length);
    arrived(entry, JSON.parse(message.data));
  };
}

function websocket(entry) {
  const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ticker');
  socket.onopen = () => { entry.requests++; };
  socket.onmessage = message => {
    // RFC 6455 §5.2: a server's frame has a 2-byte header up to 125 bytes of payload, no mask.
    const length = new TextEncoder().encode(message.data).length;
    entry.bytes += length + (length < 126 ? 2 : 4);
    arrived(entry, JSON.parse(message.data));
  };
  socket.onclose = () => setTimeout(() => websocket(entry), 2000);
}

poll(lane('poll', 'short polling, GET /poll every 500 ms'), '/poll', 500);
poll(lane('long-poll', 'long-polling, GET /long-poll'), '/long-poll', 0);
sse(lane('sse', 'Server-Sent Events, /events'));
websocket(lane('ws', 'WebSocket, /ticker'));
setInterval(updateTable, 500);

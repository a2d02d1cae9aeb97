// The chat page (lesson 11): one WebSocket to /chat, the JSON protocol of ChatRooms, and
// reconnection with exponential backoff when the server goes away. Lesson 15: every message
// carries its room's "epoch" and "offset"; the page remembers the last it saw and sends them
// when it rejoins, so the server replays exactly what it missed (or says the history is gone).
'use strict';

const $ = id => document.getElementById(id);
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat';
const params = new URLSearchParams(location.search);
if (params.get('room')) $('room').value = params.get('room');
$('nick').value = params.get('nick') || 'guest' + Math.floor(Math.random() * 1000);

let socket = null;
let joined = null;  // {room, nick} once the server welcomed us: rejoin after a reconnect
let retry = 0;      // reconnect attempts since the last welcome
let seen = null;    // {room, epoch, offset} of the last message shown: sent when rejoining

function line(text, kind, nick) {
  const item = document.createElement('li');
  if (kind) item.className = kind;
  if (nick) {
    const who = document.createElement('span');
    who.className = 'nick';
    who.textContent = nick;
    item.appendChild(who);
  }
  item.appendChild(document.createTextNode(text));  // never innerHTML: the text is the peer's
  $('log').appendChild(item);
  $('log').scrollTop = $('log').scrollHeight;
}

function status(text, up) {
  $('status').textContent = text;
  $('status').className = up ? 'status' : 'status down';
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function join() {
  const message = {type: 'join', room: $('room').value.trim(), nick: $('nick').value.trim()};
  // Same room as before: ask for what was said since the last message we showed.
  if (seen && seen.room === message.room) {
    message.epoch = seen.epoch;
    message.offset = seen.offset;
  }
  send(message);
}

function connect() {
  status('connecting to ' + url + '…', false);
  socket = new WebSocket(url);
  socket.onopen = () => {
    status('connected', true);
    join();
  };
  socket.onmessage = event => {
    const message = JSON.parse(event.data);
    switch (message.type) {
      case 'welcome':
        retry = 0;
        joined = {room: message.room, nick: message.nick};
        $('members').textContent = message.members.split(',').join(', ');
        status('connected: ' + message.nick + ' in ' + message.room, true);
        line('you joined ' + message.room + ' as ' + message.nick, 'notice');
        break;
      case 'message':
        line(message.text, message.history ? 'history' : '', message.nick);
        if (message.epoch && joined) {
          seen = {room: joined.room, epoch: message.epoch, offset: message.offset};
        }
        break;
      case 'history':  // lesson 15: what we missed is partly ("gap") or wholly ("gone") lost
        line(message.text, 'error');
        break;
      case 'presence':  // lesson 15: who is in the room on every server process
        $('members').textContent = message.members ? message.members.split(',').join(', ') : 'just you';
        break;
      case 'status':  // lesson 15: the server's Redis went away or came back
        status(message.text, message.state === 'up');
        line(message.text, message.state === 'up' ? 'notice' : 'error');
        break;
      case 'joined':
      case 'left':
        $('members').textContent = message.members ? message.members.split(',').join(', ') : 'just you';
        line(message.nick + ' ' + message.type, 'notice');
        break;
      case 'error':
        line('error ' + message.code + ': ' + message.text, 'error');
        break;
    }
  };
  socket.onclose = event => {
    // Backoff: 1, 2, 4, 8, 16, then 30 s at most, with jitter so that a restarted server is
    // not hit by every client in the same millisecond.
    const delay = Math.min(30000, 1000 * 2 ** retry) * (0.5 + Math.random() / 2);
    retry++;
    const why = event.code === 1006 ? 'the connection was lost'
              : event.code === 1001 ? 'the server is going away'
              : 'closed with ' + event.code + (event.reason ? ' (' + event.reason + ')' : '');
    status('Disconnected: ' + why + '. Reconnecting in ' + Math.round(delay / 1000) + ' s…', false);
    if (joined) line('disconnected: ' + why, 'error');
    setTimeout(connect, delay);
  };
}

$('join').onsubmit = event => {
  event.preventDefault();
  join();
};
$('say').onsubmit = event => {
  event.preventDefault();
  const text = $('text').value;
  if (!text) return;
  send({type: 'say', text});
  $('text').value = '';
};
connect();

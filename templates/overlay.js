// ttops OBS overlay (served at /overlay/overlay.js for GET /overlay): listens on the streamer's
// live socket and plays each `action` (sound) and `tts` (speech) message one after another,
// never two at once, at the volume the server sent. Reconnects by itself, except when the
// server refused the token or the license (then it says why and stops). Plain browser script,
// no build step; state for tests and curious streamers is read-only at `window.__overlay`.
(function () {
  'use strict';

  var MAX_QUEUE = 50; // a flood of gifts drops the oldest waiting clips instead of growing memory
  var MAX_HISTORY = 50;
  var MAX_CLIP_MS = 60000; // a clip that stalls (network) must not block the queue forever
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var STABLE_MS = 10000; // a socket open this long resets the backoff
  // Close codes after which reconnecting cannot help (docs/websocket.md): say why and stop.
  var FATAL = {
    4001: 'No token: open this page as /overlay#token=<access_token>.',
    4002: 'The token was refused (malformed, forged or revoked): log in again and copy a fresh overlay link.',
    4003: 'The token expired: log in again and copy a fresh overlay link.',
    4010: 'The license expired: redeem a new license key, then copy a fresh overlay link.',
  };

  // The fragment is preferred (`/overlay#token=…`): browsers never send it, so it stays out of
  // every server and proxy log. `?token=` is accepted for OBS setups that drop fragments.
  var fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  var query = new URLSearchParams(location.search);
  var token = fragment.get('token') || query.get('token') || '';
  var debug = (fragment.get('debug') || query.get('debug') || '') === '1';

  var state = {
    status: 'starting', // starting | connecting | connected | reconnecting | stopped
    live: null, // the last `status` message's status (offline, live, …)
    connects: 0,
    closes: [],
    stopped: false,
    reason: null,
    reconnect_pending: false,
    received: 0, // clips received (action + tts)
    queue: [],
    max_queue: 0,
    playing: null,
    played: [],
    dropped: 0,
    concurrent: 0,
    max_concurrent: 0,
  };
  var attempts = 0;
  var reconnectTimer = null;

  Object.defineProperty(window, '__overlay', {
    get: function () { return JSON.parse(JSON.stringify(state)); },
  });

  var badge = document.getElementById('badge');
  var notice = document.getElementById('notice');

  function render() {
    document.documentElement.setAttribute('data-state', state.status);
    if (!debug) return;
    badge.hidden = false;
    badge.textContent = 'ttops ' + state.status + (state.live ? ' · ' + state.live : '') +
      ' · queue ' + state.queue.length + (state.playing ? ' · playing ' + state.playing.kind : '');
  }

  function stop(reason) {
    state.status = 'stopped';
    state.stopped = true;
    state.reason = reason;
    notice.textContent = 'ttops overlay stopped: ' + reason;
    notice.hidden = false;
    render();
  }

  // ---- playback: one clip at a time, in arrival order ----

  function enqueue(kind, message) {
    if (typeof message.url !== 'string' || !/^https?:\/\//.test(message.url)) return;
    var volume = Number(message.volume);
    if (!isFinite(volume)) volume = 100;
    volume = Math.max(0, Math.min(100, volume));
    state.received++;
    while (state.queue.length >= MAX_QUEUE) {
      state.queue.shift();
      state.dropped++;
    }
    var item = { kind: kind, url: message.url, volume: volume / 100 };
    if (kind === 'tts') item.text = String(message.text || '');
    state.queue.push(item);
    state.max_queue = Math.max(state.max_queue, state.queue.length);
    render();
    pump();
  }

  function pump() {
    if (state.playing || state.queue.length === 0) return;
    var item = state.queue.shift();
    state.playing = item;
    var audio = new Audio();
    var counted = false;
    var done = false;
    var guard = setTimeout(function () { finish('timeout'); }, MAX_CLIP_MS);

    function finish(outcome) {
      if (done) return;
      done = true;
      clearTimeout(guard);
      if (counted) state.concurrent--;
      if (outcome !== 'ended') audio.pause();
      item.outcome = outcome;
      item.ended_at = performance.now();
      state.played.push(item);
      if (state.played.length > MAX_HISTORY) state.played.shift();
      state.playing = null;
      render();
      pump();
    }

    audio.addEventListener('playing', function () {
      if (counted || done) return;
      counted = true;
      item.started_at = performance.now();
      state.concurrent++;
      state.max_concurrent = Math.max(state.max_concurrent, state.concurrent);
    });
    audio.addEventListener('ended', function () { finish('ended'); });
    audio.addEventListener('error', function () { finish('error'); });
    audio.volume = item.volume;
    audio.src = item.url;
    render();
    var started = audio.play();
    if (started && started.catch) started.catch(function (e) { finish('refused: ' + (e && e.name)); });
  }

  // ---- the socket ----

  function handle(data) {
    var message;
    try { message = JSON.parse(data); } catch (e) { return; }
    if (!message || typeof message !== 'object') return;
    if (message.type === 'action') enqueue('sound', message);
    else if (message.type === 'tts') enqueue('tts', message);
    else if (message.type === 'status') { state.live = String(message.status); render(); }
    // `event` and anything unknown: nothing to play.
  }

  function scheduleReconnect() {
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempts));
    attempts++;
    var delay = ceiling / 2 + Math.random() * (ceiling / 2);
    state.status = 'reconnecting';
    state.reconnect_pending = true;
    render();
    reconnectTimer = setTimeout(connect, delay);
  }

  function connect() {
    reconnectTimer = null;
    state.reconnect_pending = false;
    state.connects++;
    state.status = 'connecting';
    render();
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var ws = new WebSocket(scheme + '//' + location.host + '/v2/ws?token=' + encodeURIComponent(token));
    var openedAt = 0;
    ws.onopen = function () {
      openedAt = performance.now();
      state.status = 'connected';
      render();
    };
    ws.onmessage = function (e) { handle(e.data); };
    ws.onclose = function (e) {
      state.closes.push({ code: e.code, reason: e.reason });
      if (state.closes.length > 20) state.closes.shift();
      if (FATAL[e.code]) return stop(FATAL[e.code] + ' (' + e.code + (e.reason ? ' ' + e.reason : '') + ')');
      if (openedAt && performance.now() - openedAt >= STABLE_MS) attempts = 0;
      scheduleReconnect();
    };
    // An error is always followed by close, which decides what happens next.
  }

  if (!token) stop(FATAL[4001]);
  else connect();
})();

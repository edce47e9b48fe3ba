// The team chat client (docs/api.md "Chat over WebSocket"), no dependencies.
//
// What must hold on a train with a flaky connection:
// - every message is shown once, in id order (a Map by id, sorted insertion);
// - own messages wait in an outbox (kept in localStorage) shown as
//   "wordt verzonden…" until the server echoes them back with their client_id,
//   and are sent again after every reconnect (the server stores a client_id once);
// - after a lost connection the client reconnects with backoff and asks for
//   everything after the last id it is sure of ("sync").
// User text goes into the page through textContent, except a message's body:
// that is the "html" the server rendered and sanitised (nh3, an allow-list), so
// the page, the history and live messages look the same.
(function () {
  "use strict";

  var root = document.getElementById("chat");
  var configEl = document.getElementById("chat-config");
  if (!root || !configEl || !("WebSocket" in window)) return;
  var cfg = JSON.parse(configEl.textContent);
  var T = JSON.parse(document.getElementById("chat-strings").textContent);

  var list = document.getElementById("chat-list");
  var scroller = document.getElementById("chat-scroll");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var fileInput = document.getElementById("chat-file");
  var statusEl = document.getElementById("chat-status");
  var statusText = statusEl.querySelector(".chat__status-text");
  var typingEl = document.getElementById("chat-typing");
  var noticeEl = document.getElementById("chat-notice");
  var onlineCount = document.getElementById("chat-online-count");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var messages = new Map(); // id -> data
  var nodes = new Map(); // id -> <li>
  var pendingNodes = new Map(); // client_id -> <li>
  var maxId = 0;
  var oldestId = null;
  var hasOlder = cfg.hasOlder;
  // The highest id below which nothing can be missing, where "sync" starts.
  // Only a read of the database moves it, never a live frame: live frames may
  // be lost (the channel layer delivers at most once; while Redis restarts
  // every event is), so holding id 19 says nothing about 17 and 18. A read
  // that returned everything up to L may still miss a message whose
  // transaction was open at the time (a lower id, committed just after), so L
  // counts only once a later read, begun at least SETTLE_MS after, has ended.
  var settledId = 0;
  var reads = []; // [the last id a read returned, when it ended]
  var syncsSettling = []; // per "sync" on the socket, in order: what its "synced" settles
  var SETTLE_MS = 5000;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- rendering -------------------------------------------------------

  // A message's body as the server rendered it: "html" is its Markdown (bold, italics, lists,
  // links, line breaks) made into HTML and sanitised with an allow-list by the server
  // (wijklab/text.py render_chat), the same HTML the page itself shows. A frame without it
  // (an older server) shows the plain text.
  function showBody(parent, m) {
    if (typeof m.html === "string") parent.innerHTML = m.html;
    else parent.textContent = m.body;
  }

  var timeFmt = new Intl.DateTimeFormat(document.documentElement.lang || "nl", { hour: "2-digit", minute: "2-digit" });
  var dayFmt = new Intl.DateTimeFormat(document.documentElement.lang || "nl", { day: "numeric", month: "short" });
  function when(iso) {
    var d = new Date(iso);
    var today = new Date();
    var time = timeFmt.format(d);
    return d.toDateString() === today.toDateString() ? time : dayFmt.format(d) + " " + time;
  }

  function canChange(m) {
    return m.author.id === cfg.me.id && !m.deleted && !m.hidden && Date.now() - Date.parse(m.created_at) < cfg.editWindowMs;
  }

  function renderMessage(m) {
    var own = m.author.id === cfg.me.id;
    var gone = m.deleted || !!m.hidden;
    var li = el("li", "msg" + (own ? " msg--own" : "") + (gone ? " msg--gone" : ""));
    li.id = "bericht-" + m.id;
    li.dataset.id = m.id;
    var bubble = li.appendChild(el("div", "msg__bubble"));
    var meta = bubble.appendChild(el("p", "msg__meta"));
    meta.appendChild(el("span", "msg__author", m.author.display_name));
    var time = meta.appendChild(el("time", null, when(m.created_at)));
    time.dateTime = m.created_at;
    if (m.edited_at && !gone) meta.appendChild(el("span", "msg__edited", T.edited));
    if (m.hidden) {
      bubble.appendChild(el("p", "msg__note", fmt(T.hiddenBy, { by: m.hidden.by, reason: m.hidden.reason })));
    } else if (m.deleted) {
      bubble.appendChild(el("p", "msg__note", T.deleted));
    } else {
      if (m.body) showBody(bubble.appendChild(el("div", "msg__body")), m);
      m.attachments.forEach(function (file) {
        var a = bubble.appendChild(el("a", "msg__file msg__file--" + file.kind));
        a.href = file.url;
        a.setAttribute("download", "");
        if (file.thumbnail_url) {
          var img = a.appendChild(el("img"));
          // The size from the server reserves the space, so the list does not jump when it loads.
          if (file.width && file.height) { img.width = file.width; img.height = file.height; }
          img.alt = file.name;
          img.addEventListener("load", function () { if (stickToBottom) toBottom(); });
          img.src = file.thumbnail_url;
        } else {
          a.appendChild(el("span", "msg__file-icon", "PDF")).setAttribute("aria-hidden", "true");
        }
        a.appendChild(el("span", "msg__file-name", file.name));
      });
    }
    var actions = el("div", "msg__actions");
    if (canChange(m)) {
      actions.appendChild(actionButton(T.edit, "edit"));
      actions.appendChild(actionButton(T.delete, "delete"));
    }
    if (cfg.canHide && !m.hidden && !m.deleted) actions.appendChild(actionButton(T.hide, "hide"));
    if (actions.childNodes.length) bubble.appendChild(actions);
    return li;
  }

  function actionButton(label, action) {
    var b = el("button", "msg__action", label);
    b.type = "button";
    b.dataset.action = action;
    return b;
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }
  // Whether the reader follows the newest messages (kept up to date on scroll).
  var stickToBottom = true;
  function toBottom() { scroller.scrollTop = scroller.scrollHeight; }

  function firstPending() { return list.querySelector("li.msg--pending"); }

  // Insert in id order: new messages almost always belong at the end (before own pending ones).
  function place(li, id) {
    var after = null;
    var items = list.querySelectorAll("li.msg[data-id]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.id) < id) { after = items[i]; break; }
    }
    if (after) {
      var next = after.nextSibling;
      // Keep the "new messages" divider right above the message it belongs to.
      list.insertBefore(li, next);
    } else {
      list.insertBefore(li, list.querySelector("li.msg[data-id]") || firstPending());
    }
  }

  function upsert(m) {
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    var existing = nodes.get(m.id);
    messages.set(m.id, m);
    var li = renderMessage(m);
    if (existing) {
      list.replaceChild(li, existing);
    } else {
      place(li, m.id);
      if (m.id > maxId) maxId = m.id;
      if (oldestId === null || m.id < oldestId) oldestId = m.id;
    }
    nodes.set(m.id, li);
    return !existing;
  }

  // A read from settledId begins now: what it settles once it has ended.
  function settling() {
    var id = settledId;
    var now = Date.now();
    while (reads.length && reads[0][1] <= now - SETTLE_MS) id = Math.max(id, reads.shift()[0]);
    return id;
  }

  function readEnded(lastId, settles) {
    settledId = Math.max(settledId, settles);
    reads.push([lastId, Date.now()]);
  }

  function sync() {
    var settles = settling();
    if (send({ type: "sync", after: settledId })) syncsSettling.push(settles);
  }

  // --- the "new messages" divider and the read marker --------------------

  var divider = list.querySelector(".chat__divider");
  function ensureDivider(beforeLi) {
    if (divider) return;
    divider = el("li", "chat__divider");
    // A list item, not role="separator": a list holds only list items (axe-core, tests/e2e/test_accessibility.py).
    divider.appendChild(el("span", null, T.newMessages));
    list.insertBefore(divider, beforeLi);
  }
  function dropDivider() {
    if (divider) { divider.remove(); divider = null; }
  }

  var readSent = cfg.lastRead;
  var readTimer = null;
  function markRead() {
    if (document.hidden || !nearBottom() || maxId <= readSent) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      if (maxId > readSent && send({ type: "read", last_id: maxId })) readSent = maxId;
    }, 700);
  }

  // --- the outbox ------------------------------------------------------

  var outboxKey = "wijklab.chat.outbox." + cfg.team + "." + cfg.me.id;
  var outbox = [];
  try { outbox = JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { outbox = []; }
  function saveOutbox() {
    try { localStorage.setItem(outboxKey, JSON.stringify(outbox)); } catch (e) { /* private mode: memory only */ }
  }

  function renderPending(item, stateText) {
    var li = pendingNodes.get(item.client_id);
    if (!li) {
      li = el("li", "msg msg--own msg--pending");
      li.dataset.clientId = item.client_id;
      var bubble = li.appendChild(el("div", "msg__bubble"));
      var meta = bubble.appendChild(el("p", "msg__meta"));
      meta.appendChild(el("span", "msg__author", cfg.me.display_name));
      meta.appendChild(el("span", "msg__state"));
      // Until the server has it, the text as typed (the server's rendering replaces it).
      bubble.appendChild(el("div", "msg__body msg__body--plain", item.body || item.fileName || ""));
      list.appendChild(li);
      pendingNodes.set(item.client_id, li);
    }
    li.querySelector(".msg__state").textContent = stateText || T.sending;
    return li;
  }

  function failPending(clientId, detail, retry) {
    var li = pendingNodes.get(clientId);
    if (!li) return;
    li.classList.add("msg--failed");
    li.querySelector(".msg__state").textContent = T.failed + ": " + detail;
    var bubble = li.querySelector(".msg__bubble");
    var old = bubble.querySelector(".msg__actions");
    if (old) old.remove();
    var actions = bubble.appendChild(el("div", "msg__actions"));
    if (retry) {
      var again = actions.appendChild(actionButton(T.retry, "retry"));
      again.addEventListener("click", function () {
        li.classList.remove("msg--failed");
        actions.remove();
        retry();
      });
    }
    var discard = actions.appendChild(actionButton(T.discard, "discard"));
    discard.addEventListener("click", function () { forget(clientId); });
  }

  function forget(clientId) {
    outbox = outbox.filter(function (item) { return item.client_id !== clientId; });
    saveOutbox();
    var li = pendingNodes.get(clientId);
    if (li) li.remove();
    pendingNodes.delete(clientId);
  }

  function sendOutboxItem(item) {
    send({ type: "message", body: item.body, client_id: item.client_id });
  }

  // --- the socket ------------------------------------------------------

  var ws = null;
  var attempt = 0;
  var reconnectTimer = null;
  var pingTimer = null;
  var pongTimer = null;
  var stopped = false;
  var everOpen = false;

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusText.textContent = text;
  }

  function send(obj) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (stopped || ws) return;
    if (navigator.onLine === false) { setStatus("offline", T.offline); return; }
    setStatus("connecting", everOpen ? T.reconnecting : T.connecting);
    var sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.wsPath);
    ws = sock;
    sock.onopen = function () {
      if (ws !== sock) return;
      everOpen = true;
      attempt = 0;
      setStatus("open", T.connected);
      // First catch up, then resend what is still waiting: the server answers in this order.
      syncsSettling = [];
      sync();
      outbox.forEach(sendOutboxItem);
      startPing();
    };
    sock.onmessage = function (event) {
      if (ws !== sock) return;
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handle(data);
    };
    sock.onclose = function (event) {
      if (ws !== sock) return;
      dropped(event.code);
    };
  }

  // The connection is gone (closed, or silent for too long): forget it and try again later.
  function dropped(code) {
    var sock = ws;
    ws = null;
    stopPing();
    if (sock) {
      sock.onclose = sock.onmessage = sock.onopen = null;
      try { sock.close(); } catch (e) { /* already closing */ }
    }
    if (code === 4403) { stop(); return; }
    if (navigator.onLine === false) { setStatus("offline", T.offline); return; }
    setStatus("connecting", T.reconnecting);
    attempt += 1;
    var delay = Math.min(15000, 500 * Math.pow(2, attempt - 1)) * (0.75 + Math.random() * 0.5);
    reconnectTimer = setTimeout(function () {
      // Refused handshakes close with 4403 after opening; a socket that keeps failing otherwise
      // (a proxy, Redis down) asks the API who we are. The same request reads what was sent meanwhile, and what waits in the outbox goes over the
      // API: when the server cannot serve sockets for a while (Redis down), the chat still works.
      if (attempt >= 2) probe().then(postOutbox).then(connect); else connect();
    }, delay);
  }

  function stop() {
    stopped = true;
    setStatus("closed", T.noAccess);
    form.querySelectorAll("textarea, button, input").forEach(function (node) { node.disabled = true; });
  }

  function probe() {
    // A read of the database like "sync": from the settled id, and it settles like one.
    var after = settledId;
    var settles = settling();
    return fetch(cfg.apiMessages + "?after=" + after + "&limit=100", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404) { stop(); return; }
        if (!response.ok) return;
        return response.json().then(function (page) {
          var stick = nearBottom();
          page.results.forEach(function (m) { received(m); });
          if (stick) toBottom();
          var last = page.results.length ? page.results[page.results.length - 1].id : after;
          readEnded(last, settles);
        });
      })
      .catch(function () { /* still offline */ });
  }

  function postOutbox() {
    if (stopped) return;
    return Promise.all(outbox.map(function (item) {
      return fetch(cfg.apiMessages, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ body: item.body, client_id: item.client_id }),
      })
        .then(function (response) {
          if (response.ok) return response.json().then(received);
          if (response.status >= 400 && response.status < 500) {
            // Refused for good (too long, no longer a member): say so, as the socket would.
            return response.json().then(function (error) {
              failPending(item.client_id, error.detail || response.statusText, null);
            });
          }
        })
        .catch(function () { /* still unreachable: stays in the outbox */ });
    }));
  }

  var pings = 0;
  function startPing() {
    stopPing();
    pingTimer = setInterval(function () {
      if (!send({ type: "ping" })) return;
      clearTimeout(pongTimer);
      pongTimer = setTimeout(function () { dropped(0); }, 10000);
      // Live events may be lost on the way (the channel layer delivers at most
      // once); the database is the truth, so now and then ask what we missed.
      pings += 1;
      if (pings % 2 === 0) sync();
    }, 25000);
  }
  function stopPing() {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  // --- events from the server -------------------------------------------

  function received(m) {
    var stick = nearBottom();
    var mine = m.author.id === cfg.me.id;
    if (mine && pendingNodes.has(m.client_id)) {
      forget(m.client_id);
      stick = true;
    }
    var isNew = upsert(m);
    if (isNew && !mine && (document.hidden || !stick)) ensureDivider(nodes.get(m.id));
    if (isNew && !mine) delete typers[m.author.id];
    if (stick) toBottom();
    renderTyping();
    markRead();
  }

  var typers = {};
  function renderTyping() {
    var now = Date.now();
    var names = Object.keys(typers).filter(function (id) { return typers[id].until > now; }).map(function (id) { return typers[id].name; });
    if (!names.length) { typingEl.textContent = ""; return; }
    typingEl.textContent = names.length === 1
      ? fmt(T.typingOne, { name: names[0] })
      : fmt(T.typingMany, { names: names.slice(0, -1).join(", ") + " " + T.and + " " + names[names.length - 1] });
  }
  setInterval(renderTyping, 1000);

  function showNotice(text) {
    noticeEl.textContent = text;
    noticeEl.hidden = false;
    clearTimeout(showNotice.timer);
    showNotice.timer = setTimeout(function () { noticeEl.hidden = true; }, 6000);
  }

  function handle(data) {
    switch (data.type) {
      case "message":
        received(data);
        break;
      case "message_updated":
        if (messages.has(data.id)) upsert(data);
        break;
      case "synced":
        readEnded(data.last_id || 0, syncsSettling.length ? syncsSettling.shift() : settledId);
        markRead();
        break;
      case "error":
        if (data.client_id && pendingNodes.has(data.client_id)) {
          if (data.code === "rate_limited") {
            renderPending({ client_id: data.client_id }, data.detail);
            setTimeout(function () {
              var item = outbox.find(function (x) { return x.client_id === data.client_id; });
              if (item) sendOutboxItem(item);
            }, 5000);
          } else {
            // Refused for good (empty, too long): it will never be stored, so it leaves the outbox.
            outbox = outbox.filter(function (x) { return x.client_id !== data.client_id; });
            saveOutbox();
            failPending(data.client_id, data.detail, null);
          }
        } else {
          showNotice(data.detail);
        }
        break;
      case "typing":
        if (data.user.id !== cfg.me.id) typers[data.user.id] = { name: data.user.display_name, until: Date.now() + 5000 };
        renderTyping();
        break;
      case "presence":
        var online = {};
        data.online.forEach(function (p) { online[p.id] = true; });
        root.querySelectorAll(".chat__reader-list li[data-user-id]").forEach(function (li) {
          var on = !!online[li.dataset.userId];
          li.classList.toggle("is-online", on);
          li.querySelector(".chat__presence-label").textContent = on ? " (" + T.isOnline + ")" : "";
        });
        onlineCount.textContent = "· " + fmt(T.online, { count: data.online.length });
        break;
      case "pong":
        clearTimeout(pongTimer);
        break;
    }
  }

  // --- what the user does -------------------------------------------------

  function submitText() {
    var body = input.value.trim();
    if (!body) return;
    if (body.length > cfg.maxLength) { showNotice(T.failed); return; }
    var item = { client_id: uuid(), body: body };
    outbox.push(item);
    saveOutbox();
    dropDivider();
    renderPending(item);
    toBottom();
    input.value = "";
    autosize();
    sendOutboxItem(item);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitText();
  });
  input.removeAttribute("required");
  input.addEventListener("keydown", function (event) {
    // Enter sends on a keyboard; on a phone the send button does (Enter makes a new line there).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !matchMedia("(pointer: coarse)").matches) {
      event.preventDefault();
      submitText();
    }
  });

  function autosize() {
    input.style.height = "";
    if (input.value) input.style.height = Math.min(input.scrollHeight + 2, 144) + "px";
  }
  var lastTyping = 0;
  input.addEventListener("input", function () {
    autosize();
    if (cfg.silent || !input.value.trim()) return;
    var now = Date.now();
    if (now - lastTyping > 3000 && send({ type: "typing" })) lastTyping = now;
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var li = button.closest("li.msg[data-id]");
    if (!li) return;
    var m = messages.get(Number(li.dataset.id));
    if (!m) return;
    var action = button.dataset.action;
    if (action === "delete") {
      if (window.confirm(T.confirmDelete)) send({ type: "delete", id: m.id });
    } else if (action === "hide") {
      var reason = window.prompt(T.hideReason, "");
      if (reason && reason.trim()) send({ type: "hide", id: m.id, reason: reason.trim() });
    } else if (action === "edit") {
      startEdit(li, m);
    }
  });

  function startEdit(li, m) {
    var bubble = li.querySelector(".msg__bubble");
    var body = bubble.querySelector(".msg__body");
    var actions = bubble.querySelector(".msg__actions");
    var editor = el("form", "msg__edit");
    var area = editor.appendChild(el("textarea"));
    area.value = m.body;
    area.maxLength = cfg.maxLength;
    area.setAttribute("aria-label", T.edit);
    var row = editor.appendChild(el("div", "msg__actions"));
    var save = row.appendChild(el("button", "button button--small button--primary", T.save));
    save.type = "submit";
    var cancel = row.appendChild(el("button", "button button--small", T.cancel));
    cancel.type = "button";
    if (body) body.hidden = true;
    if (actions) actions.hidden = true;
    bubble.appendChild(editor);
    area.focus();
    cancel.addEventListener("click", function () { upsert(messages.get(m.id)); });
    editor.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = area.value.trim();
      if (text && text !== m.body) send({ type: "edit", id: m.id, body: text });
      else upsert(messages.get(m.id));
    });
  }

  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    if (file.size > cfg.maxFileBytes) { showNotice(T.fileTooLarge); return; }
    var item = { client_id: uuid(), body: input.value.trim(), fileName: file.name };
    input.value = "";
    autosize();
    renderPending(item, T.uploading);
    toBottom();
    upload(item, file);
  });

  function upload(item, file) {
    var data = new FormData();
    data.append("file", file);
    data.append("client_id", item.client_id);
    data.append("body", item.body);
    renderPending(item, T.uploading);
    fetch(cfg.apiAttachments, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (response.ok) {
            received(json);
            return;
          }
          var detail = json.detail || (json.file || json.body || json.client_id || [""])[0] || response.statusText;
          failPending(item.client_id, detail, response.status === 429 ? function () { upload(item, file); } : null);
        });
      })
      .catch(function () {
        failPending(item.client_id, T.offline, function () { upload(item, file); });
      });
  }

  // --- older history ------------------------------------------------------

  var olderButton = document.getElementById("chat-older");
  var loadingOlder = false;
  function loadOlder() {
    if (!hasOlder || loadingOlder || oldestId === null) return;
    loadingOlder = true;
    olderButton.textContent = T.loading;
    fetch(cfg.apiMessages + "?before=" + oldestId + "&limit=" + cfg.pageSize, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (page) {
        var before = scroller.scrollHeight;
        page.results.forEach(function (m) { upsert(m); });
        scroller.scrollTop += scroller.scrollHeight - before;
        if (page.results.length < cfg.pageSize) {
          hasOlder = false;
          olderButton.replaceWith(el("span", "muted small", T.start));
        } else {
          olderButton.textContent = T.loadOlder;
        }
      })
      .catch(function () { olderButton.textContent = T.loadOlder; })
      .then(function () { loadingOlder = false; });
  }
  if (olderButton) {
    olderButton.addEventListener("click", loadOlder);
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries[0].isIntersecting && scroller.scrollHeight > scroller.clientHeight) loadOlder();
      }, { root: scroller }).observe(olderButton);
    }
  }

  // --- start -------------------------------------------------------------

  // Re-render the server's first page with this script's renderer (it adds the edit/delete/hide buttons).
  var serverDivider = divider;
  var firstNew = serverDivider ? serverDivider.nextElementSibling : null;
  var firstNewId = firstNew ? Number(firstNew.dataset.id) : null;
  list.querySelectorAll("li.msg").forEach(function (li) { li.remove(); });
  dropDivider();
  cfg.messages.forEach(function (m) { upsert(m); });
  if (firstNewId && nodes.get(firstNewId)) ensureDivider(nodes.get(firstNewId));
  settledId = maxId;
  // Whatever the page already shows as stored has left the outbox (sent just before a reload).
  var stored = {};
  cfg.messages.forEach(function (m) { if (m.author.id === cfg.me.id) stored[m.client_id] = true; });
  outbox = outbox.filter(function (item) { return !stored[item.client_id]; });
  saveOutbox();
  outbox.forEach(function (item) { renderPending(item); });
  if (divider) divider.scrollIntoView({ block: "center" }); else toBottom();
  autosize();

  scroller.addEventListener("scroll", function () { stickToBottom = nearBottom(); markRead(); }, { passive: true });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { markRead(); if (!ws && !stopped) { attempt = 0; connect(); } }
  });
  window.addEventListener("online", function () { attempt = 0; connect(); });
  window.addEventListener("offline", function () { if (ws) dropped(0); else setStatus("offline", T.offline); });
  connect();
})();

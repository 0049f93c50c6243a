/* 消保通 outbox core: records saved offline wait in IndexedDB and are replayed to the server one at a time.
 * Runs in pages and in the service worker (a classic script there): no DOM, no window, only `self`.
 * Needs idb (static/vendor/idb-8.x.umd.js) loaded first.
 *
 * A record: {client_uuid, url, form_page, fields: [[name, value], …], files: [{field, name, type, data}],
 *            created_at, updated_at, attempts, next_try_at, last_error, last_status, status, label, kind}
 * status: "pending" (will be sent), "login" (the server said 401: sign in, then it is sent),
 *         "failed" (the server refused it with a 4xx: the person fixes it and sends again, or deletes it).
 */
(function (scope) {
  "use strict";

  var DB_NAME = "xiaobao";
  var STORE = "outbox";
  var CHANNEL = "xiaobao-outbox";
  var LOCK = "xiaobao-outbox";
  var BACKOFF_BASE_MS = 5000;
  var BACKOFF_CAP_MS = 10 * 60 * 1000;
  var SEND_TIMEOUT_MS = 180 * 1000;   // nine photos on a slow rural connection
  var TOKEN_TIMEOUT_MS = 20 * 1000;
  var CSRF_URL = "/sync/csrf";

  var dbPromise = null;
  var running = Promise.resolve();
  var listeners = [];
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;

  function supported() {
    return typeof indexedDB !== "undefined" && typeof scope.idb === "object";
  }

  function db() {
    if (!dbPromise) {
      dbPromise = scope.idb.openDB(DB_NAME, 1, {
        upgrade: function (database) {
          var store = database.createObjectStore(STORE, { keyPath: "client_uuid" });
          store.createIndex("created_at", "created_at");
        },
        blocking: function () {
          // A newer version wants the database: let it, and reopen on next use.
          if (dbPromise) { dbPromise.then(function (d) { d.close(); }); }
          dbPromise = null;
        }
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  function list() {
    return db().then(function (d) { return d.getAllFromIndex(STORE, "created_at"); });
  }

  function get(uuid) {
    return db().then(function (d) { return d.get(STORE, uuid); });
  }

  function put(record) {
    return db().then(function (d) { return d.put(STORE, record); }).then(function () {
      notify({ change: "saved", client_uuid: record.client_uuid });
      return record;
    });
  }

  function remove(uuid) {
    return db().then(function (d) { return d.delete(STORE, uuid); }).then(function () {
      notify({ change: "deleted", client_uuid: uuid });
    });
  }

  function counts() {
    return list().then(function (records) {
      var c = { total: records.length, pending: 0, login: 0, failed: 0, next_try_at: null };
      records.forEach(function (r) {
        c[r.status] = (c[r.status] || 0) + 1;
        // The earliest retry after a backoff (records due now are sent on the next trigger anyway).
        if (r.status === "pending" && r.next_try_at && (c.next_try_at === null || r.next_try_at < c.next_try_at)) {
          c.next_try_at = r.next_try_at;
        }
      });
      return c;
    });
  }

  /** A new record from the parts a form gave; the caller has already made the files small. */
  function build(parts) {
    var now = new Date().toISOString();
    return {
      client_uuid: parts.client_uuid,
      url: parts.url,
      form_page: parts.form_page || "",
      fields: parts.fields || [],
      files: parts.files || [],
      label: parts.label || "",
      kind: parts.kind || "",
      created_at: parts.created_at || now,
      updated_at: now,
      attempts: 0,
      next_try_at: 0,
      last_error: "",
      last_errors: null,
      last_status: null,
      status: "pending"
    };
  }

  /** "Send now" on one record: whatever its state, it becomes due at once. */
  function retry(uuid) {
    return get(uuid).then(function (record) {
      if (!record) { return null; }
      record.status = "pending";
      record.next_try_at = 0;
      return put(record);
    });
  }

  function backoff(attempts) {
    return Math.min(BACKOFF_BASE_MS * Math.pow(2, Math.max(0, attempts - 1)), BACKOFF_CAP_MS);
  }

  // ---- changes are announced to every page (and to listeners in this one: a channel skips its sender)

  function onChange(fn) { listeners.push(fn); }

  function notify(detail) {
    var message = { type: "outbox-changed", detail: detail || {} };
    listeners.forEach(function (fn) { try { fn(message); } catch (e) { /* a listener's bug is not ours */ } });
    if (channel) {
      channel.postMessage(message);
    } else if (scope.clients && scope.clients.matchAll) {
      scope.clients.matchAll({ includeUncontrolled: true }).then(function (all) {
        all.forEach(function (client) { client.postMessage(message); });
      });
    }
  }
  if (channel) {
    channel.onmessage = function (event) {
      listeners.forEach(function (fn) { try { fn(event.data); } catch (e) { /* ignore */ } });
    };
  }

  // ---- replay

  /** One replay at a time in this context (a promise chain) and across pages and the worker (a Web Lock). */
  function withLock(fn) {
    var locks = scope.navigator && scope.navigator.locks;
    var next = running.then(function () {
      return locks && locks.request ? locks.request(LOCK, fn) : fn();
    });
    running = next.catch(function () {});
    return next;
  }

  function fetchWithTimeout(url, init, ms) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, ms) : null;
    if (controller) { init.signal = controller.signal; }
    return fetch(url, init).finally(function () { if (timer) { clearTimeout(timer); } });
  }

  function freshToken() {
    return fetchWithTimeout(CSRF_URL, { credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" } }, TOKEN_TIMEOUT_MS)
      .then(function (response) {
        if (!response.ok) { throw new Error("csrf " + response.status); }
        return response.json();
      });
  }

  function formData(record) {
    var data = new FormData();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    record.files.forEach(function (file) {
      data.append(file.field, new Blob([file.data], { type: file.type || "application/octet-stream" }), file.name);
    });
    return data;
  }

  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("json") === -1) { return Promise.resolve(null); }
    return response.json().catch(function () { return null; });
  }

  /** The server's reason in one line: its `error`, then each field's message. */
  function reason(body) {
    if (!body) { return ""; }
    var parts = [];
    if (body.error) { parts.push(String(body.error)); }
    var errors = body.errors;
    if (errors && typeof errors === "object") {
      Object.keys(errors).forEach(function (key) {
        var value = errors[key];
        (Array.isArray(value) ? value : [value]).forEach(function (v) {
          if (v !== null && v !== undefined && String(v) && parts.indexOf(String(v)) === -1) { parts.push(String(v)); }
        });
      });
    }
    return parts.join(" · ");
  }

  /** What to do with an answer: "sent", "login", "failed" or "retry". */
  function classify(status, body) {
    if (status >= 200 && status < 300) { return body && body.ok === true ? "sent" : "retry"; }
    if (status === 401 || status === 0) { return "login"; }  // 0: an opaque redirect, i.e. to the login page
    if (status === 400) { return body && body.ok === false && !/csrf/i.test(reason(body)) ? "failed" : "retry"; }
    if (status === 408 || status === 429 || status >= 500) { return "retry"; }
    return "failed";
  }

  function isDue(record, now, force, signedIn) {
    if (record.status === "pending") { return force || !record.next_try_at || record.next_try_at <= now; }
    if (record.status === "login") { return signedIn; }
    return false;
  }

  function send(record, token) {
    return fetchWithTimeout(record.url, {
      method: "POST",
      body: formData(record),
      credentials: "same-origin",
      redirect: "manual",  // a redirect to the login page must never look like success
      headers: { Accept: "application/json", "X-CSRFToken": token }
    }, SEND_TIMEOUT_MS).then(function (response) {
      var status = response.type === "opaqueredirect" ? 0 : response.status;
      return readJson(response).then(function (body) { return { status: status, body: body }; });
    });
  }

  /** Send every due record, oldest first, one at a time. Resolves to a summary of what happened.
   *  opts.force: ignore the backoff of pending records (the network just came back, or "send now"). */
  function replayAll(opts) {
    opts = opts || {};
    return withLock(function () { return replayRun(opts); });
  }

  async function replayRun(opts) {
    var summary = { sent: 0, failed: 0, login: 0, retry: 0, offline: false, results: [] };
    var token = null;
    var signedIn = false;
    var tried = {};

    async function mark(record, outcome, status, body, error) {
      var current = await get(record.client_uuid);
      if (!current || current.updated_at !== record.updated_at) { return; }  // edited or deleted meanwhile
      current.last_status = status;
      current.last_errors = outcome === "failed" && body && body.errors && typeof body.errors === "object"
        ? body.errors : null;
      if (outcome === "login" || outcome === "failed") {
        summary[outcome] += 1;
        current.status = outcome;
        current.last_error = reason(body);
      } else {
        summary.retry += 1;
        current.status = "pending";
        current.attempts = (current.attempts || 0) + 1;
        current.next_try_at = Date.now() + backoff(current.attempts);
        current.last_error = reason(body) || (error ? String(error.message || error) : "");
      }
      await put(current);
    }

    for (;;) {
      var now = Date.now();
      var records = await list();
      var record = records.filter(function (r) {
        return !tried[r.client_uuid] && isDue(r, now, opts.force, token === null || signedIn);
      })[0];
      if (!record) { break; }
      tried[record.client_uuid] = true;

      if (token === null) {
        try {
          var answer = await freshToken();
          token = answer.token;
          signedIn = !!answer.signed_in;
        } catch (e) {
          summary.offline = true;  // no network (or no server): the queue stays as it is until we are online
          break;
        }
      }
      if (record.status === "login" && !signedIn) { continue; }
      if (!signedIn && summary.login > 0) {
        // The server said "sign in" already in this run: do not upload more photos to hear it again.
        await mark(record, "login", 401, null);
        continue;
      }

      var result;
      try {
        result = await send(record, token);
      } catch (error) {
        // The request itself failed (network gone, timeout): try again later, and stop this run.
        summary.offline = true;
        await mark(record, "retry", null, null, error);
        break;
      }
      var outcome = classify(result.status, result.body);
      summary.results.push({ client_uuid: record.client_uuid, outcome: outcome, status: result.status,
                             body: result.body, label: record.label });
      if (outcome === "sent") {
        summary.sent += 1;
        await db().then(function (d) { return d.delete(STORE, record.client_uuid); });
      } else {
        await mark(record, outcome, result.status, result.body);
      }
    }

    if (summary.sent || summary.failed || summary.login || summary.retry) {
      notify({ change: "replayed", sent: summary.sent, failed: summary.failed, login: summary.login,
               retry: summary.retry, offline: summary.offline });
    }
    return summary;
  }

  scope.XiaobaoOutbox = {
    supported: supported,
    build: build,
    list: list,
    get: get,
    put: put,
    remove: remove,
    counts: counts,
    retry: retry,
    replayAll: replayAll,
    onChange: onChange,
    notify: notify,
    classify: classify,
    backoff: backoff,
    reason: reason
  };
})(self);

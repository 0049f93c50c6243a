/* 消保通 outbox, the page side: any <form data-outbox> is kept on the phone (IndexedDB) and sent later;
 * the top bar badge counts what is waiting; /outbox lists it. The sending itself is done by the service
 * worker (or, before it controls the page, by this page under the same lock): see outbox-core.js.
 * The DOM is built with textContent only: labels and server messages are untrusted text.
 *
 * For a form to use it (inspections now, volunteers' events next):
 *   <form data-outbox method="post" enctype="multipart/form-data" action="/the/endpoint"
 *         data-outbox-label="merchant_search" data-outbox-kind="…optional, else the page's h1…">
 *   with hidden client_uuid (replaced by a fresh UUID per record), and optionally hidden captured_at
 *   (the phone's time with its offset), latitude/longitude/accuracy_m (GPS, when the phone gives it).
 *   The endpoint answers JSON {"ok", "error", "errors": {field: message}} with the statuses of
 *   webapp/sync/idempotency.py. Events on the form: "outbox-saved" (after a save and reset),
 *   "outbox-filled" (a refused record was put back into the form at ?outbox=<client_uuid>). */
(function () {
  "use strict";

  var Outbox = window.XiaobaoOutbox;
  if (!Outbox) { return; }
  var supported = Outbox.supported();
  var REPLY_TIMEOUT_MS = 200 * 1000;
  var GPS_WAIT_MS = 3000;

  // ---------------------------------------------------------------- words (rendered by the server)

  function t(key, vars) {
    var box = document.getElementById("outbox-i18n");
    var text = (box && box.dataset[key]) || "";
    Object.keys(vars || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(vars[name])); });
    return text;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /** A notice in the page's #toast: the text, and optionally a link after it. */
  function notice(kind, text, link) {
    var box = document.getElementById("toast");
    if (!box || !text) { return; }
    var p = el("p", { "class": "notice notice-" + kind + " outbox-notice" }, text);
    if (link) {
      p.appendChild(document.createTextNode(" "));
      p.appendChild(el("a", { href: link.href }, link.text));
    }
    box.replaceChildren(p);
    box.scrollIntoView({ block: "nearest" });
  }

  function outboxLink() {
    var badge = document.querySelector("[data-outbox-badge]");
    return { href: (badge && badge.getAttribute("href")) || "/outbox", text: t("see") };
  }

  // ---------------------------------------------------------------- asking for a replay

  function swController() {
    return "serviceWorker" in navigator ? navigator.serviceWorker.controller : null;
  }

  /** Ask the service worker to send what is due (it alone sends, so a page and the worker never both do);
   *  with no worker in control yet, send from here, under the same Web Lock. Resolves to the summary. */
  function askForReplay(opts) {
    var controller = swController();
    if (!controller) { return Outbox.replayAll(opts).catch(function () { return null; }); }
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve(null); }, REPLY_TIMEOUT_MS);
      channel.port1.onmessage = function (event) { clearTimeout(timer); resolve(event.data); };
      controller.postMessage({ type: "replay", force: !!opts.force }, [channel.port2]);
    });
  }

  // "online" can come before the network really carries anything (a flapping signal, a captive portal):
  // while the phone says online and the server cannot be reached, ask again after 3 s, 6 s … up to a minute.
  var unreachable = { delay: 0, timer: null };

  function requestReplay(opts) {
    return askForReplay(opts || {}).then(function (summary) {
      clearTimeout(unreachable.timer);
      if (summary && summary.offline && navigator.onLine) {
        unreachable.delay = Math.min(unreachable.delay ? unreachable.delay * 2 : 3000, 60000);
        unreachable.timer = setTimeout(function () { requestReplay({ force: true }); }, unreachable.delay);
      } else {
        unreachable.delay = 0;
      }
      return summary;
    });
  }

  function registerSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register("outbox"); }
      return undefined;
    }).catch(function () { /* no Background Sync here: the online event and page loads cover it */ });
  }

  // ---------------------------------------------------------------- badge, timers, notices after a replay

  var retryTimer = null;

  function refresh() {
    if (!supported) { return Promise.resolve(null); }
    return Outbox.counts().then(function (c) {
      document.querySelectorAll("[data-outbox-badge]").forEach(function (badge) {
        badge.hidden = c.total === 0;
        badge.classList.toggle("outbox-badge-alert", c.failed + c.login > 0);
        var count = badge.querySelector("[data-outbox-count]") || badge;
        count.textContent = String(c.total);
      });
      clearTimeout(retryTimer);
      if (c.next_try_at && navigator.onLine) {
        // Backing off: try again when the first record is due, as long as this page stays open.
        retryTimer = setTimeout(function () { requestReplay({}); }, Math.max(1000, c.next_try_at - Date.now()));
      }
      renderList();
      return c;
    }).catch(function () { return null; });
  }

  function announce(detail) {
    if (detail.change !== "replayed") { return; }
    var onList = !!document.getElementById("outbox-list");  // the list itself shows it all
    if (detail.failed) {
      notice("error", t("refused", { n: detail.failed }), onList ? null : outboxLink());
    } else if (detail.login) {
      notice("error", t("login"), { href: "/login?next=/outbox", text: t("signIn") });
    } else if (detail.sent) {
      notice("success", t("sent", { n: detail.sent }));
    }
  }

  Outbox.onChange(function (message) {
    if (!message || message.type !== "outbox-changed") { return; }
    refresh();
    announce(message.detail || {});
  });
  if ("serviceWorker" in navigator) {
    // Where BroadcastChannel is missing the worker posts to its clients instead.
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-changed" && typeof BroadcastChannel !== "function") {
        refresh();
        announce(event.data.detail || {});
      }
    });
  }

  // ---------------------------------------------------------------- saving a form

  // app.js (loaded before this file on every page) gives the UUIDs.
  var uuid = window.XiaobaoUuid;

  /** 2026-03-15T10:20:30+08:00: the phone's time with its offset, which is when the thing happened. */
  function localIso(d) {
    function pad(n) { return String(n).padStart(2, "0"); }
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function field(form, name) {
    var control = form.elements.namedItem(name);
    return control && control.tagName ? control : null;  // not a RadioNodeList
  }

  function setField(form, name, value) {
    var control = field(form, name);
    if (control) { control.value = value; }
    return control;
  }

  // GPS: asked for when the person starts on the form, so that saving never waits long for it.
  var geo = { coords: null, at: 0, waiting: null };

  function hasGeo(form) { return !!(field(form, "latitude") && field(form, "longitude")); }

  function locate() {
    if (!navigator.geolocation) { return Promise.resolve(null); }
    if (geo.coords && Date.now() - geo.at < 2 * 60 * 1000) { return Promise.resolve(geo.coords); }
    if (!geo.waiting) {
      geo.waiting = new Promise(function (resolve) {
        navigator.geolocation.getCurrentPosition(function (position) {
          geo.coords = position.coords; geo.at = Date.now(); resolve(position.coords);
        }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
      }).finally(function () { geo.waiting = null; });
    }
    return geo.waiting;
  }

  function fillGeo(form) {
    var lat = field(form, "latitude"), lon = field(form, "longitude");
    if (!lat || !lon || lat.value || lon.value) { return Promise.resolve(); }
    var wait = new Promise(function (resolve) { setTimeout(function () { resolve(null); }, GPS_WAIT_MS); });
    return Promise.race([locate(), wait]).then(function (coords) {
      if (!coords) { return; }  // denied, no fix yet, or no GPS: the record is saved without a place
      lat.value = coords.latitude.toFixed(6);
      lon.value = coords.longitude.toFixed(6);
      setField(form, "accuracy_m", Math.round(coords.accuracy)) || setField(form, "accuracy", Math.round(coords.accuracy));
    });
  }

  /** A photo made small before it is stored (photos.js: long edge 2048, JPEG 0.8); as-is where it is absent. */
  function shrink(file) {
    return window.XiaobaoPhotos ? window.XiaobaoPhotos.shrink(file) : Promise.resolve(file);
  }

  function labelOf(form) {
    var names = (form.dataset.outboxLabel || "").split(/\s+/).filter(Boolean);
    var parts = names.map(function (name) {
      var control = field(form, name) || document.getElementById(name);
      if (!control) { return ""; }
      if (control.tagName === "SELECT") {
        var option = control.selectedOptions[0];
        return option && option.value ? option.textContent.trim() : "";
      }
      return ("value" in control && control.tagName !== "BUTTON" ? control.value : control.textContent).trim();
    }).filter(Boolean);
    if (!names.length) {
      // No label named: the first text the person typed (on most forms the name of who or what it is about).
      var first = Array.prototype.filter.call(form.elements, function (c) {
        return c.tagName === "INPUT" && /^(text|search|)$/.test(c.getAttribute("type") || "") && c.value.trim();
      })[0];
      if (first) { parts.push(first.value.trim()); }
    }
    return parts.join(" · ");
  }

  function kindOf(form) {
    if (form.dataset.outboxKind) { return form.dataset.outboxKind; }
    var h1 = document.querySelector("main h1");
    return h1 ? h1.textContent.trim() : document.title;
  }

  /** Page path without ?outbox=…: where "edit and resend" opens the form again. */
  function formPage() {
    var url = new URL(location.href);
    url.searchParams.delete("outbox");
    return url.pathname + url.search;
  }

  /** Where the record goes (the attribute: form.action would be a control if one were named "action"). */
  function endpoint(form) {
    var url = new URL(form.getAttribute("action") || location.href, location.href);
    return url.pathname + url.search;
  }

  var editing = {};  // form id → the record being corrected

  function collect(form, submitter, record) {
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (e) { data = new FormData(form); }
    var fields = [], chosen = [];
    data.forEach(function (value, name) {
      if (name === "csrf_token") { return; }  // stale by the time it is sent: replays fetch a fresh one
      if (typeof value === "string") { fields.push([name, value]); }
      else if (value && value.size > 0) { chosen.push({ field: name, file: value }); }
    });
    return Promise.all(chosen.map(function (c) {
      return shrink(c.file).then(function (small) {
        return small.arrayBuffer().then(function (buffer) {
          return { field: c.field, name: small.name || "photo.jpg", type: small.type || "application/octet-stream", data: buffer };
        });
      });
    })).then(function (files) {
      if (record) {
        // Correcting a record: photos the person did not replace are kept.
        var replaced = {};
        files.forEach(function (f) { replaced[f.field] = true; });
        record.files.forEach(function (f) { if (!replaced[f.field]) { files.push(f); } });
      }
      return { fields: fields, files: files };
    });
  }

  // Hidden inputs keep what the server rendered (a task, a follow-up …) when the form is reset.
  var initialHidden = new WeakMap();

  function remember(form) {
    form.querySelectorAll("input[type=hidden]").forEach(function (input) {
      if (!initialHidden.has(input)) { initialHidden.set(input, input.value); }
    });
  }

  function resetForm(form) {
    form.reset();
    form.querySelectorAll("input[type=hidden]").forEach(function (input) {
      if (input.name === "csrf_token") { return; }
      if (initialHidden.has(input)) { input.value = initialHidden.get(input); }
    });
    setField(form, "client_uuid", uuid());
    setField(form, "captured_at", "");
    form.querySelectorAll(".photo-previews").forEach(function (box) { box.replaceChildren(); });
    form.querySelectorAll(".photo-note, .outbox-kept, .outbox-field-error, .outbox-editing").forEach(function (n) { n.remove(); });
    form.querySelectorAll("[data-outbox-invalid]").forEach(function (n) {
      n.removeAttribute("aria-invalid"); n.removeAttribute("data-outbox-invalid");
    });
    form.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
  }

  function save(form, submitter) {
    var record = editing[form.id] || null;
    var stored = false;
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    form.setAttribute("aria-busy", "true");

    var id = record ? record.client_uuid : uuid();
    if (!setField(form, "client_uuid", id)) { /* the form has none: the key is still sent */ }
    if (!record || !(field(form, "captured_at") || {}).value) { setField(form, "captured_at", localIso(new Date())); }

    var gone = record ? Outbox.get(record.client_uuid).then(function (r) { return !r; }) : Promise.resolve(false);
    return Promise.all([fillGeo(form), gone]).then(function (results) {
      if (results[1]) {
        // Sent or deleted while being corrected: save the correction as a new record.
        record = null; id = uuid(); setField(form, "client_uuid", id);
      }
      return collect(form, submitter, record);
    }).then(function (parts) {
      if (!parts.fields.some(function (p) { return p[0] === "client_uuid"; })) { parts.fields.push(["client_uuid", id]); }
      var next = Outbox.build({
        client_uuid: id,
        url: endpoint(form),
        form_page: formPage(),
        fields: parts.fields,
        files: parts.files,
        label: labelOf(form),
        kind: kindOf(form),
        created_at: record ? record.created_at : undefined
      });
      return Outbox.put(next);
    }).then(function () {
      stored = true;
      var wasEdit = !!record;
      delete editing[form.id];
      resetForm(form);
      if (wasEdit) { history.replaceState(null, "", formPage()); }
      notice("success", wasEdit ? t("savedEdit") : t("saved"), outboxLink());
      window.scrollTo({ top: 0 });
      form.dispatchEvent(new CustomEvent("outbox-saved", { bubbles: true, detail: { client_uuid: id } }));
      if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
      registerSync();
      refresh();
      if (navigator.onLine) { requestReplay({}); }
    }).catch(function (error) {
      notice("error", t("saveError") + " " + (error && error.message ? error.message : String(error)));
      // The phone cannot keep it (storage full, private mode …): with a network, send it the plain way.
      if (!stored && navigator.onLine && !record) { HTMLFormElement.prototype.submit.call(form); }
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
      form.removeAttribute("aria-busy");
    });
  }

  // Capture phase on the document: runs before htmx or anything else bound to the form itself.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]") || !supported) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (!form.checkValidity()) { form.reportValidity(); return; }
    save(form, event.submitter);
  }, true);

  document.addEventListener("focusin", function (event) {
    var form = event.target.closest && event.target.closest("form[data-outbox]");
    if (form && hasGeo(form) && !field(form, "latitude").value) { locate(); }
  });

  // ---------------------------------------------------------------- correcting a refused record

  function controlsNamed(form, name) {
    return Array.prototype.filter.call(form.elements, function (c) { return c.name === name; });
  }

  function showFieldError(form, name, message) {
    var control = controlsNamed(form, name)[0];
    if (!control || !message) { return; }
    if (control.type === "hidden") {
      // A hidden id filled by picking from a list: the error belongs to the visible field just before it.
      var all = Array.prototype.slice.call(form.elements);
      var before = all.slice(0, all.indexOf(control)).reverse().filter(function (c) {
        return c.type !== "hidden" && c.tagName !== "FIELDSET" && c.tagName !== "BUTTON";
      });
      if (!before.length) { return; }
      control = before[0];
    }
    var anchor = control.type === "radio" || control.type === "checkbox"
      ? (control.closest("[role=radiogroup], fieldset") || control) : control;
    anchor.setAttribute("aria-invalid", "true");
    anchor.setAttribute("data-outbox-invalid", "");
    anchor.insertAdjacentElement("afterend", el("small", { "class": "field-error outbox-field-error" }, message));
    var details = anchor.closest("details");
    if (details) { details.open = true; }
  }

  function fill(form, record) {
    var values = {};
    record.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var used = {};
    var touched = [];
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!c.name || c.name === "csrf_token" || c.type === "file" || c.type === "submit" || c.tagName === "BUTTON" ||
          c.tagName === "FIELDSET" || c.tagName === "OUTPUT") { return; }
      var list = values[c.name] || [];
      if (c.type === "checkbox" || c.type === "radio") {
        c.checked = list.indexOf(c.value) !== -1;
        if (c.checked) { touched.push(c); }
      } else if (c.tagName === "SELECT" && c.multiple) {
        Array.prototype.forEach.call(c.options, function (o) { o.selected = list.indexOf(o.value) !== -1; });
        touched.push(c);
      } else if (values[c.name]) {
        var i = used[c.name] || 0;
        c.value = list[i] !== undefined ? list[i] : "";
        used[c.name] = i + 1;
        if (c.type !== "hidden") { touched.push(c); }
      }
    });
    // Let the page's own scripts follow (show the chosen checklist …), then put the hidden values back,
    // because such scripts may clear them (typing a merchant name clears its id).
    touched.forEach(function (c) {
      c.dispatchEvent(new Event("input", { bubbles: true }));
      c.dispatchEvent(new Event("change", { bubbles: true }));
    });
    Array.prototype.forEach.call(form.elements, function (c) {
      if (c.type === "hidden" && c.name !== "csrf_token" && values[c.name]) { c.value = values[c.name][0]; }
    });
    // Open the folded parts that hold something, so the person sees all of the record.
    touched.forEach(function (c) {
      var details = c.closest("details");
      if (details && ((c.type !== "checkbox" && c.type !== "radio" && c.value) || c.checked)) { details.open = true; }
    });
  }

  function noteKeptPhotos(form, record) {
    var byField = {};
    record.files.forEach(function (f) { (byField[f.field] = byField[f.field] || []).push(f.name); });
    Object.keys(byField).forEach(function (name) {
      var input = controlsNamed(form, name)[0];
      if (!input) { return; }
      input.insertAdjacentElement("afterend",
        el("small", { "class": "outbox-kept muted" }, t("keptPhotos", { names: byField[name].join(", ") })));
      var details = input.closest("details");
      if (details) { details.open = true; }
    });
  }

  function startEditing(form, uuidToEdit) {
    return Outbox.get(uuidToEdit).then(function (record) {
      if (!record) { notice("error", t("missing"), outboxLink()); return; }
      editing[form.id] = record;
      fill(form, record);
      noteKeptPhotos(form, record);
      Object.keys(record.last_errors || {}).forEach(function (name) {
        var message = record.last_errors[name];
        showFieldError(form, name, Array.isArray(message) ? message.join(" ") : String(message));
      });
      if (record.last_error) {
        var box = el("div", { "class": "notice notice-error outbox-editing", role: "alert" });
        box.appendChild(el("strong", {}, t("editing")));
        box.appendChild(el("p", {}, record.last_error));
        form.insertBefore(box, form.firstChild);
      }
      form.dispatchEvent(new CustomEvent("outbox-filled", { bubbles: true, detail: { client_uuid: record.client_uuid } }));
    });
  }

  // ---------------------------------------------------------------- the /outbox page

  var rendering = false, renderAgain = false;

  function formatTime(iso) {
    try {
      return new Date(iso).toLocaleString(document.documentElement.lang || undefined,
        { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    } catch (e) { return iso; }
  }

  function renderList() {
    var list = document.getElementById("outbox-list");
    var template = document.getElementById("outbox-item");
    if (!list || !template) { return; }
    if (rendering) { renderAgain = true; return; }
    rendering = true;
    var page = document.getElementById("outbox-page");
    var words = page ? page.dataset : {};
    Outbox.list().then(function (records) {
      var items = records.map(function (r) {
        var node = template.content.firstElementChild.cloneNode(true);
        node.id = "outbox-" + r.client_uuid;
        node.dataset.uuid = r.client_uuid;
        node.dataset.status = r.status;
        node.classList.add("outbox-" + r.status);
        function slot(name, text) {
          var s = node.querySelector("[data-slot=" + name + "]");
          if (s) { s.textContent = text; s.hidden = !text; }
          return s;
        }
        slot("label", r.label || r.kind || r.client_uuid.slice(0, 8));
        slot("kind", r.label ? r.kind : "");
        var time = slot("time", formatTime(r.created_at));
        if (time) { time.setAttribute("datetime", r.created_at); }
        var status = slot("status", words["status" + r.status.charAt(0).toUpperCase() + r.status.slice(1)] || r.status);
        if (status) { status.classList.add("outbox-state-" + r.status); }
        slot("attempts", r.attempts ? (words.attempts || "{n}").replace("{n}", r.attempts) : "");
        // Field by field when the server said which (its summary line speaks of red marks shown only on the form).
        var fieldErrors = Object.keys(r.last_errors || {}).map(function (k) {
          var m = r.last_errors[k];
          return Array.isArray(m) ? m.join(" ") : String(m);
        }).filter(Boolean);
        var why = fieldErrors.length ? fieldErrors.join(" · ") : r.last_error;
        if (!why && r.status === "failed") { why = (words.http || "HTTP {n}").replace("{n}", r.last_status || "?"); }
        if (r.status === "pending" && r.attempts && !r.last_error) { why = words.network || ""; }
        slot("reason", why || "");
        var names = r.files.map(function (f) { return f.name; });
        slot("photos", names.length ? (words.photos || "{n}").replace("{n}", names.length) : "");
        node.querySelectorAll("[data-action]").forEach(function (action) {
          var kind = action.dataset.action;
          var show = kind === "send" || kind === "delete" || (kind === "edit" && r.status === "failed" && r.form_page) ||
            (kind === "login" && r.status === "login");
          action.hidden = !show;
          // Sending a refused record unchanged would only be refused again: correcting it comes first.
          if (kind === "send") { action.classList.toggle("secondary", r.status === "failed"); }
          if (kind === "edit" && show) {
            var url = new URL(r.form_page, location.href);
            url.searchParams.set("outbox", r.client_uuid);
            action.setAttribute("href", url.pathname + url.search);
          }
        });
        return node;
      });
      list.replaceChildren.apply(list, items);
      var empty = document.getElementById("outbox-empty");
      if (empty) { empty.hidden = records.length > 0; }
      var all = document.querySelector("[data-outbox-send-all]");
      if (all) { all.hidden = !records.some(function (r) { return r.status !== "failed"; }); }
    }).finally(function () {
      rendering = false;
      if (renderAgain) { renderAgain = false; renderList(); }
    });
  }

  function afterSend(button, summary) {
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    if (summary && summary.offline) {
      var page = document.getElementById("outbox-page");
      notice("error", page ? page.dataset.offline : "");
    }
    refresh();
  }

  document.addEventListener("click", function (event) {
    var action = event.target.closest && event.target.closest("[data-action], [data-outbox-send-all]");
    if (!action || !document.getElementById("outbox-list")) { return; }
    var item = action.closest("[data-uuid]");
    var page = document.getElementById("outbox-page");
    if (action.hasAttribute("data-outbox-send-all")) {
      action.disabled = true; action.setAttribute("aria-busy", "true");
      requestReplay({ force: true }).then(function (s) { afterSend(action, s); });
    } else if (action.dataset.action === "send" && item) {
      action.disabled = true; action.setAttribute("aria-busy", "true");
      Outbox.retry(item.dataset.uuid).then(function () { return requestReplay({ force: true }); })
        .then(function (s) { afterSend(action, s); });
    } else if (action.dataset.action === "delete" && item) {
      if (window.confirm(page.dataset.confirmDelete)) { Outbox.remove(item.dataset.uuid).then(refresh); }
    }
  });

  // ---------------------------------------------------------------- start

  function start() {
    var unsupported = document.getElementById("outbox-unsupported");
    if (!supported) { if (unsupported) { unsupported.hidden = false; } return; }
    document.querySelectorAll("form[data-outbox]").forEach(function (form) {
      remember(form);
      var wanted = new URL(location.href).searchParams.get("outbox");
      if (wanted) { startEditing(form, wanted); }
    });
    refresh().then(function (c) {
      if (c && c.pending + c.login > 0 && navigator.onLine) { requestReplay({}); }
    });
    var box = document.getElementById("outbox-i18n");
    if (box && box.dataset.warm && !sessionStorage.getItem("xiaobao-warm-" + box.dataset.warm)) {
      // Signed-in staff: have the worker keep the offline forms now, not only after they are opened once;
      // only those this account may open (the server lists them), so none answers 401 or 403. On the
      // phone's first visit the worker takes the page over once installed: ask it then.
      var warm = function () {
        if (!swController()) { return false; }
        sessionStorage.setItem("xiaobao-warm-" + box.dataset.warm, "1");
        swController().postMessage({ type: "warm", paths: (box.dataset.warmPaths || "").split(" ").filter(Boolean) });
        return true;
      };
      if (!warm() && "serviceWorker" in navigator) {
        navigator.serviceWorker.addEventListener("controllerchange", function once() {
          if (warm()) { navigator.serviceWorker.removeEventListener("controllerchange", once); }
        });
      }
    }
  }

  window.addEventListener("online", function () { requestReplay({ force: true }); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { refresh(); } });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }

  window.XiaobaoOutboxPage = { requestReplay: requestReplay, refresh: refresh };
})();

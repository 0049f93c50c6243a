/* 消保通 shell behaviour: service worker, merchant choice, copy button, network notices. No inline script anywhere (CSP). */
(function () {
  "use strict";

  if ("serviceWorker" in navigator && document.body.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/" }).catch(function () {});
    });
  }

  /** A fresh random UUID (v4), also where crypto.randomUUID is missing (older phones, plain http). */
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  window.XiaobaoUuid = uuid;

  // A page may be the copy the phone kept (the server answered 304): its form number was perhaps used
  // already, so every form on a newly opened page gets a number of its own.
  document.querySelectorAll("form input[name=client_uuid]").forEach(function (input) { input.value = uuid(); });

  function toast(html) {
    var box = document.getElementById("toast");
    if (box) { box.innerHTML = html; box.scrollIntoView({ block: "nearest" }); }
  }

  function text(key, fallback) {
    return document.documentElement.lang === "en" ? fallback : key;
  }

  // Choosing a merchant from the search results fills the hidden id, the address and the district.
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-merchant-id]");
    if (choice) {
      var form = choice.closest("form");
      form.querySelector("#merchant_id").value = choice.dataset.merchantId;
      form.querySelector("#merchant_name").value = choice.dataset.merchantName;
      form.querySelector("#merchant_address").value = choice.dataset.merchantAddress || "";
      if (choice.dataset.districtId) { form.querySelector("#district_id").value = choice.dataset.districtId; }
      var results = form.querySelector("#merchant-results");
      results.innerHTML = "";
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.dataset.copy);
      var value = source.dataset.code || source.textContent.trim();
      var done = function () { copy.textContent = copy.dataset.copied; };
      if (navigator.clipboard) { navigator.clipboard.writeText(value).then(done, function () {}); }
    }
  });

  // Typing a new name after choosing one means it is another merchant.
  document.addEventListener("input", function (event) {
    if (event.target.id === "merchant_name") {
      var hidden = event.target.form && event.target.form.querySelector("#merchant_id");
      if (hidden) { hidden.value = ""; }
    }
  });

  // A task, a re-inspection or a complaint belongs to one record: the next one on the same form starts clean.
  document.addEventListener("outbox-saved", function (event) {
    event.target.querySelectorAll("[data-once]").forEach(function (input) {
      input.value = "";
      input.defaultValue = "";
    });
  });

  document.addEventListener("htmx:sendError", function () {
    toast('<p class="notice notice-error">' + text("网络不可用,内容仍保留在页面上,请稍后再提交。",
      "No network. What you typed is still here; please send it again later.") + "</p>");
  });

  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("toast");
    if (box) { box.innerHTML = ""; }
  });

  // After a 422 the first field in error gets the focus, so a phone user lands on it.
  document.addEventListener("htmx:afterSwap", function (event) {
    // An outerHTML swap detaches detail.target; the event then fires on the new element instead.
    var root = event.detail.target && event.detail.target.isConnected ? event.detail.target : event.target;
    var bad = root && root.querySelector && root.querySelector("[aria-invalid=true]");
    if (bad) { bad.focus({ preventScroll: false }); }
  });
})();

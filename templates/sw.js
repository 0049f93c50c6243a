/* 消保通 service worker: keeps the app shell so the home page and the forms open offline,
 * and sends the outbox (records saved on the phone while offline) when the network is back. */
const VERSION = {{ version|tojson }};
const CACHE = "xiaobao-shell-" + VERSION;
const PAGES = {{ pages|list|tojson }};
const DATA = {{ data|list|tojson }};
const ASSETS = {{ assets|tojson }};
// Pages and data only some accounts may open (webapp/shell.py RESTRICTED): fetched for a page that names them.
const RESTRICTED = {{ restricted|tojson }};
const OPEN = PAGES.concat(DATA).filter((path) => !RESTRICTED.includes(path));

// The outbox: idb and the shared replay logic (the same files the pages load).
importScripts(...{{ scripts|tojson }});
const Outbox = self.XiaobaoOutbox;

/** Cache a page or data URL if the answer is really it: never a redirect to the login page, never an error. */
function keep(cache, path) {
  return fetch(path, { credentials: "same-origin" }).then((response) => {
    if (response.ok && !response.redirected) { return cache.put(path, response); }
    return undefined;
  }).catch(() => undefined);
}

/** The restricted paths an older version of the shell kept: this phone's account may open them. */
function keptBefore() {
  return caches.keys().then((keys) => Promise.all(keys
    .filter((key) => key.startsWith("xiaobao-shell-") && key !== CACHE)
    .map((key) => caches.open(key).then((old) => Promise.all(RESTRICTED.map((path) =>
      old.match(path, { ignoreVary: true }).then((hit) => (hit ? path : null))))))))
    .then((found) => RESTRICTED.filter((path) => found.some((paths) => paths.includes(path))));
}

self.addEventListener("install", (event) => {
  // Assets strictly (a broken shell must not install); pages one by one, tolerating failures
  // (a page may not answer now): they are cached again on every visit. Restricted pages only where
  // the older shell had them; otherwise the pages of a signed-in account ask for them ("warm").
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(ASSETS)
        .then(keptBefore)
        .then((kept) => Promise.all(OPEN.concat(kept).map((p) => keep(cache, p)))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((key) => key.startsWith("xiaobao-shell-") && key !== CACHE)
        .map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
  // Send what waits, but not inside waitUntil: fetches wait for activation, and uploads can take minutes.
  // Background Sync gives the replay its own event (and lifetime); without it the pages ask on load.
  const sync = self.registration.sync;
  (sync ? sync.register("outbox") : Outbox.replayAll({})).catch(() => undefined);
});

// Pages ask: "replay" (a record was saved, the page loaded, the network came back, "send now"),
// and "warm" (cache the shell pages not cached yet, e.g. the inspection form after signing in): the open
// ones, and of the restricted ones those the page names (the ones its account may open).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "replay") {
    const port = event.ports && event.ports[0];
    event.waitUntil(Outbox.replayAll({ force: !!data.force }).catch(() => null)
      .then((summary) => { if (port) port.postMessage(summary); }));
  } else if (data.type === "warm") {
    const allowed = RESTRICTED.filter((path) => Array.isArray(data.paths) && data.paths.includes(path));
    event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(OPEN.concat(allowed).map((path) =>
      cache.match(path, { ignoreVary: true }).then((hit) => hit || keep(cache, path))))));
  }
});

// Background Sync: the browser wakes us when it has a network, even with the app closed.
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(Outbox.replayAll({ force: true }).then((summary) => {
    // Rejecting asks the browser to fire the sync again later.
    if (summary.offline) throw new Error("still offline");
  }));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  // Assets carry a content hash in ?v=: the cached copy is always right.
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok && url.searchParams.has("v")) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
    return;
  }

  // Data the offline forms need (merchant list …): the network first, the last copy when offline.
  if (DATA.includes(url.pathname)) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      }).catch(() => caches.match(url.pathname, { ignoreVary: true, ignoreSearch: true })
        .then((hit) => hit || Response.error()))
    );
    return;
  }

  // Pages: the network first so people see fresh data; the shell pages from the cache when offline.
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then((response) => {
        // A redirect (e.g. to the login page) is not the page: keep the cached copy of the real one.
        // Only the plain page is the shell's copy: one opened with ?event= (a QR link) or ?task= is
        // prefilled for that once, and must not become the form every later offline visit shows.
        const plain = [...url.searchParams.keys()].every((key) => key === "lang");
        if (response.ok && !response.redirected && plain && PAGES.includes(url.pathname)) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      }).catch(() => caches.match(url.pathname, { ignoreVary: true, ignoreSearch: true })
        .then((hit) => hit || caches.match("/offline", { ignoreVary: true })))
    );
  }
});

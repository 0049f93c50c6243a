/* 消保通 service worker: keeps the app shell so the home page and the complaint form open offline. */
const VERSION = {{ version|tojson }};
const CACHE = "xiaobao-shell-" + VERSION;
const PAGES = {{ pages|list|tojson }};
const ASSETS = {{ assets|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(ASSETS.concat(PAGES)))
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

  // Pages: the network first so people see fresh data; the shell pages from the cache when offline.
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && PAGES.includes(url.pathname)) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      }).catch(() => caches.match(url.pathname, { ignoreVary: true, ignoreSearch: true })
        .then((hit) => hit || caches.match("/offline", { ignoreVary: true })))
    );
  }
});

// The lobby display's service worker: the network first, and the last good copy when the network is gone
// (or the server answers with an error, as a proxy does while the app is down). Only pages under /display/
// are controlled; the page itself fills the cache after each good load.
"use strict";
var CACHE = "linli-display";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function lastCopy(request, fallback) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) { return hit || fallback; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        return response;
      }
      return response.status >= 500 ? lastCopy(request, response) : response;
    }).catch(function () { return lastCopy(request, Response.error()); })
  );
});

/* Linli service worker, version {{ version }} (changes whenever a shell file or this script changes).
   Shell: precached; other versioned static files: kept once seen, bounded. Public pages (notices, directory,
   lessons, practice): stale-while-revalidate, bounded.
   Personal pages: network only; a no-store response is never cached. Outbox: IndexedDB, sent exactly once. */
"use strict";
const VERSION = "{{ version }}";
const SHELL = "linli-shell-" + VERSION;
const PAGES = "linli-pages";
const STATIC = "linli-static";  // versioned files a page used (lesson pictures, print styles): kept for offline
const MAX_STATIC = 150;
const SHELL_URLS = {{ shell_urls|tojson }};
const OFFLINE = {{ offline_urls|tojson }};  // locale -> offline page
const SWR = {{ swr_prefixes|tojson }};
const KEEP = {{ keep_prefixes|tojson }};  // network first, a stored anonymous copy when offline
const MAX_ENTRIES = {{ max_entries }};
const MAX_AGE_MS = {{ max_age_days }} * 24 * 3600 * 1000;
const OUTBOX = {{ "true" if outbox else "false" }};  // never on a kiosk: a shared device keeps no personal queue
let locale = "{{ default_locale }}";

self.addEventListener("install", (event) => {
  // The phone's shell is fetched without cookies: anonymous copies, and no response can overwrite the session
  // of someone signing in at that moment. A kiosk needs its device cookie; its shell pages never touch the session.
  const credentials = "{{ shell_credentials }}";
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_URLS.map((u) => new Request(u, { cache: "reload", credentials }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k !== SHELL && k !== PAGES && k !== STATIC).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

function storable(response) {
  const cc = response.headers.get("Cache-Control") || "";
  return response.ok && response.type === "basic" && !/no-store|private/.test(cc);
}

function under(list, path) { return list.some((p) => path === p || path.startsWith(p + "/") || path.startsWith(p + "?")); }
function isSwr(path) { return under(SWR, path); }

async function remember(request, response) {
  if (!storable(response)) return;
  const cache = await caches.open(PAGES);
  const headers = new Headers(response.headers);
  headers.set("X-Linli-Stored", String(Date.now()));
  const body = await response.clone().blob();
  await cache.put(request, new Response(body, { status: response.status, headers }));
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) await cache.delete(old);
}

async function staticFile(event, request, url) {
  // A file named with its content hash (?v=) never changes: the first copy seen serves it offline for good.
  const hit = (await caches.match(request, { cacheName: SHELL })) || (await caches.match(request, { cacheName: STATIC }));
  if (hit) return hit;
  const response = await fetch(request);
  if (url.searchParams.has("v") && response.status === 200 && response.type === "basic") {
    const copy = response.clone();
    keep(event, (async () => {
      const cache = await caches.open(STATIC);
      await cache.put(request, copy);
      const keys = await cache.keys();
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_STATIC))) await cache.delete(old);
    })());  // storage full: the file still reaches the page
  }
  return response;
}

async function fresh(request) {
  const hit = await caches.match(request, { cacheName: PAGES });
  if (!hit) return null;
  const stored = Number(hit.headers.get("X-Linli-Stored") || 0);
  if (Date.now() - stored > MAX_AGE_MS) return null;
  return hit;
}

async function offlinePage(url) {
  const kiosk = url.pathname.startsWith("/kiosk");
  const key = (kiosk ? "kiosk:" : "") + locale;
  return (await caches.match(OFFLINE[key] || OFFLINE[locale], { cacheName: SHELL })) || Response.error();
}

// Public pages for someone signed in come back no-store (they show the person's own state), so they are never
// kept. For offline reading an anonymous copy is fetched beside them, without cookies: the same notice, lesson
// or directory page as anyone sees it. Whether the browser is signed in is learnt from those answers; until an
// answer says "anonymous", public pages are network first, so no one signed in is shown an anonymous copy online.
let anonymous = false;

async function keepAnonymousCopy(request) {
  try {
    const copy = await fetch(new Request(request.url, { credentials: "omit", redirect: "follow" }));
    if (!copy.redirected) await remember(request, copy);
  } catch (e) { /* offline again: keep what we have */ }
}

// Storing never holds up the answer: a navigation that waited on CacheStorage could stall for good while a new
// version of this worker took over (seen in CI), so copies are kept in waitUntil, after the page has its answer.
function keep(event, job) { event.waitUntil(job.catch(() => null)); }

async function fromNetwork(event, request) {
  const response = await fetch(request);
  anonymous = storable(response);
  if (anonymous) keep(event, remember(request, response.clone()));
  else if (response.ok) keep(event, keepAnonymousCopy(request));
  return response;
}

async function navigate(event, url) {
  const request = event.request;
  if (isSwr(url.pathname)) {
    const cached = await fresh(request);
    if (cached && anonymous) { event.waitUntil(fromNetwork(event, request).catch(() => null)); return cached; }
    try { return await fromNetwork(event, request); } catch (e) { return cached || offlinePage(url); }
  }
  try {
    const response = await fetch(request);
    if (url.pathname === "/" || url.pathname === "/kiosk/" || under(KEEP, url.pathname)) keep(event, remember(request, response.clone()));
    return response;
  } catch (e) {
    const cached = (await fresh(request)) || (await caches.match(request, { cacheName: SHELL, ignoreSearch: false }));
    if (cached) return cached;
    if (url.pathname === "/") {
      const home = await caches.match("/?lang=" + locale, { cacheName: SHELL });
      if (home) return home;
    }
    return offlinePage(url);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event, request, url));
    return;
  }
  if (request.mode === "navigate") event.respondWith(navigate(event, url));
});

/* ---- Outbox: entries are written by the page (static/js/outbox.js); delivery happens here. ---- */
function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("linli-outbox", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("outbox", { keyPath: "key" });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}
function all(store) { return new Promise((res, rej) => { const r = store.getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); }); }

async function tell(message) {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) client.postMessage(message);
}

let flushing = null;
async function flush() {
  if (!OUTBOX) return;
  const database = await db();
  const entries = await all(database.transaction("outbox").objectStore("outbox"));
  if (!entries.length) return;
  const who = await fetch("{{ token_url }}", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!who.ok) return;  // offline, or signed out: keep everything
  const { csrf, owner } = await who.json();
  for (const entry of entries) {
    if (entry.owner !== owner || entry.failed) continue;  // another person's entry waits for them
    const body = new URLSearchParams(entry.body);
    body.set("csrf_token", csrf);
    let response;
    try {
      response = await fetch(entry.url, { method: "POST", credentials: "same-origin", body,
        headers: { "Idempotency-Key": entry.key, "Outbox-Owner": entry.owner || "", Accept: "application/json" } });
    } catch (e) { return; }  // the network went again: try later
    let result = {};
    try { result = await response.json(); } catch (e) { result = {}; }
    const tx = database.transaction("outbox", "readwrite");
    if (response.ok) tx.objectStore("outbox").delete(entry.key);
    else if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) {
      tx.objectStore("outbox").put(Object.assign({}, entry, { failed: result.errors || [String(response.status)], next: result.next || "" }));
    } else { return; }
    await new Promise((res) => { tx.oncomplete = res; tx.onerror = res; });
    await tell({ outbox: response.ok ? "delivered" : "refused", key: entry.key, result });
  }
}
// Each pass ends with "idle" to the pages: whatever could be sent now has been (the tests wait for it).
function flushOnce() {
  flushing = flushing || flush().finally(() => { flushing = null; tell({ outbox: "idle" }); });
  return flushing;
}

self.addEventListener("sync", (event) => { if (event.tag === "linli-outbox") event.waitUntil(flushOnce()); });
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.locale) locale = data.locale;
  if (data.flush) event.waitUntil(flushOnce());
});

/* ---- Web Push: the message says only that something has news; the app shows what. ---- */
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Linli", { body: data.body || "", icon: "{{ icon_url }}", data: { url: data.url || "/tickets" } }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url || "/"));
});

// The lobby display: one notice or activity at a time, a fresh page every few minutes, and the last page kept
// for when the network drops (display-sw.js). Without this script every slide simply shows, one under another.
(function () {
  "use strict";
  var cfg = (document.currentScript || {}).dataset || {};
  var CACHE = "linli-display";

  // A TV cannot scroll: clamp long texts to the lines that fit (ending in "…") and show the read-more QR of
  // any text that was clamped. The stylesheet clamps too, so without this script a slide still fits.
  function fit(box) {
    if (!box || box.hidden) return;
    var clamps = Array.prototype.slice.call(box.querySelectorAll(".clamp"));
    function over() { return box.scrollHeight > box.clientHeight + 1; }
    function set(lines) { clamps.forEach(function (c) { c.setAttribute("data-lines", String(lines)); }); }
    var lines = 8;
    box.classList.remove("fit-tight");
    set(lines);
    while (over() && lines > 1) { lines -= 1; set(lines); }
    if (over()) box.classList.add("fit-tight");
    clamps.forEach(function (c) {
      var item = c.parentNode;
      var more = item.querySelector("[data-more]");
      if (more && more.hidden && c.scrollHeight > c.clientHeight + 1) {
        more.hidden = false;
        fit(box);
      }
    });
  }

  var slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
  var current = 0;
  function show(n) {
    slides.forEach(function (slide, i) { slide.hidden = i !== n; });
    fit(slides[n]);
  }
  fit(document.querySelector(".display-urgent"));
  if (slides.length === 1) fit(slides[0]);
  if (slides.length > 1) {
    show(0);
    setInterval(function () { current = (current + 1) % slides.length; show(current); },
      (parseInt(cfg.rotate, 10) || 12) * 1000);
  }

  // Keep this page and what it loads, so the service worker can answer with them when offline.
  function remember() {
    if (!window.caches) return;
    var urls = [window.location.href];
    document.querySelectorAll("link[rel=stylesheet], script[src]").forEach(function (el) {
      urls.push(el.href || el.src);
    });
    caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok) return cache.put(url, response);
        });
      }));
    }).then(function () { document.documentElement.setAttribute("data-cached", "1"); })
      .catch(function () {});
  }
  if ("serviceWorker" in navigator && cfg.sw) {
    navigator.serviceWorker.register(cfg.sw, { scope: cfg.scope || "/display/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(remember)
      .catch(function () {});
  }

  // A fresh page every few minutes, but only when one can be had: a failed fetch keeps what is on screen.
  setInterval(function () {
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" }).then(function (response) {
      if (response.ok) window.location.reload();
    }).catch(function () {});
  }, (parseInt(cfg.refresh, 10) || 300) * 1000);
})();

// Registers the service worker (never from the HTTP cache), tells it the page's language, shows an offline
// banner, and asks it to send the outbox whenever the network returns.
(function () {
  "use strict";
  var script = document.currentScript;
  var banner = document.querySelector("[data-offline-banner]");
  function showState() { if (banner) banner.hidden = navigator.onLine; }
  window.addEventListener("online", showState);
  window.addEventListener("offline", showState);
  showState();
  if (!("serviceWorker" in navigator) || !script) return;
  var locale = script.getAttribute("data-locale");
  function tell(worker) { if (worker) worker.postMessage({ locale: locale }); }
  navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/", updateViaCache: "none" })
    .then(function (registration) {
      tell(registration.active || registration.waiting || registration.installing);
      registration.update().catch(function () {});
    })
    .catch(function () {});
  navigator.serviceWorker.ready.then(function (registration) { tell(registration.active); });
  window.linliFlush = function () {
    return navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) registration.sync.register("linli-outbox").catch(function () {});
      if (registration.active) registration.active.postMessage({ flush: true, locale: locale });
    });
  };
  window.addEventListener("online", function () { window.linliFlush(); });
})();

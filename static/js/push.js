// "Tell me on this phone": ask the browser for permission, subscribe with our VAPID key, give the server the
// subscription. Only offered where the browser has Push; the in-app news works without it.
(function () {
  "use strict";
  var button = document.querySelector("[data-push]");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.Notification) return;
  var status = document.querySelector(button.getAttribute("data-push-status"));
  button.hidden = false;
  function b64(s) {
    var pad = "=".repeat((4 - (s.length % 4)) % 4);
    var raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  button.addEventListener("click", function () {
    Notification.requestPermission().then(function (answer) {
      if (answer !== "granted") { status.textContent = button.getAttribute("data-denied"); return null; }
      return Promise.all([navigator.serviceWorker.ready, fetch(button.getAttribute("data-key-url")).then(function (r) { return r.json(); })]);
    }).then(function (both) {
      if (!both) return null;
      return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(both[1].key) });
    }).then(function (subscription) {
      if (!subscription) return null;
      return fetch(button.getAttribute("data-subscribe-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": button.getAttribute("data-csrf") },
        body: JSON.stringify(subscription)
      });
    }).then(function (response) {
      if (response) status.textContent = button.getAttribute(response.ok ? "data-done" : "data-failed");
    }).catch(function () { status.textContent = button.getAttribute("data-failed"); });
  });
})();

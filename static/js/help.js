// A help call's screen (kiosk and phone): ask the server every few seconds whether someone has answered, and
// reload when the state changes, so that the new words are shown and read aloud (data-say-now). Without this
// script the page has a Refresh button; the server decides everything.
(function () {
  "use strict";
  var el = document.querySelector("[data-help-poll]");
  if (!el || !window.fetch) return;
  var state = el.getAttribute("data-help-state");
  if (state === "closed") return;
  function poll() {
    fetch(el.getAttribute("data-help-poll"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.state !== state) window.location.reload();
        else window.setTimeout(poll, 4000);
      })
      .catch(function () { window.setTimeout(poll, 8000); });
  }
  window.setTimeout(poll, 4000);
})();

// Staff queue: show "new tickets have arrived" without reloading; the server decides what this person sees.
(function () {
  "use strict";
  var box = document.querySelector("[data-new-tickets]");
  if (!box || !window.fetch) return;
  var newest = parseInt(box.getAttribute("data-newest"), 10) || 0;
  var url = box.getAttribute("data-poll");
  function check() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.newest > newest) box.hidden = false;
      })
      .catch(function () {});
  }
  setInterval(check, 20000);
  document.addEventListener("visibilitychange", check);
})();

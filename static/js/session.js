// Staff console: warn two minutes before the 30-minute idle sign-out, with one button to stay signed in.
// The server enforces the limit; this only warns first (WCAG 2.2.1) and then goes to the sign-in page.
(function () {
  "use strict";
  var cfg = document.currentScript ? document.currentScript.dataset : {};
  var box = document.querySelector("[data-session-warning]");
  if (!box || !cfg.idle) return;
  var idle = parseInt(cfg.idle, 10) * 1000, warn = parseInt(cfg.warn, 10) * 1000;
  var warnTimer = null, endTimer = null;
  function arm() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      box.hidden = false;
      box.querySelector("[data-stay]").focus();
    }, idle - warn);
    endTimer = setTimeout(function () { window.location.assign(cfg.signIn); }, idle);
  }
  box.querySelector("[data-stay]").addEventListener("click", function () {
    box.hidden = true;
    fetch(cfg.keepalive, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": cfg.csrf } });
    arm();
  });
  // Only requests reach the server, so only page loads and the button count as activity.
  arm();
})();

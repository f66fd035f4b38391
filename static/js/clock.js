// Keeps the kiosk clock current without reloading the page. Formatting follows the page language.
(function () {
  "use strict";
  var els = document.querySelectorAll("[data-clock]");
  if (!els.length || !window.Intl) return;
  var lang = document.documentElement.lang || "zh-Hans";
  function tick() {
    var now = new Date();
    els.forEach(function (el) {
      var opts = { timeZone: el.getAttribute("data-tz") || undefined };
      if (el.getAttribute("data-clock") === "time") {
        opts.hour = "2-digit"; opts.minute = "2-digit"; opts.hour12 = false;
      } else {
        opts.year = "numeric"; opts.month = "long"; opts.day = "numeric"; opts.weekday = "long";
      }
      el.textContent = new Intl.DateTimeFormat(lang, opts).format(now);
    });
  }
  tick();
  setInterval(tick, 15000);
})();

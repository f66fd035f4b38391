// Staff console, every page: live counts of new, urgent and overdue work (a light poll of /staff/work), the
// count in the tab title, "new tickets have arrived" on the queue, and a sound for urgent work that the person
// switches on (never on by itself). The server decides what this person sees; this only shows it.
(function () {
  "use strict";
  var bar = document.querySelector("[data-work]");
  if (!bar || !window.fetch) return;
  var url = bar.getAttribute("data-poll");
  var urgent = parseInt(bar.getAttribute("data-urgent"), 10) || 0;
  var queueBox = document.querySelector("[data-new-tickets]");
  var queueNewest = queueBox ? parseInt(queueBox.getAttribute("data-newest"), 10) || 0 : 0;
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var soundButton = document.querySelector("[data-sound]");  // on the overview
  var KEY = "linli.urgentSound";
  var audio = null;

  function soundOn() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  // Browsers may hold a page's sound until the person has touched that page once; the tone then plays from
  // the first tap on. Nothing plays unless the person switched the sound on (on the overview).
  function unlock() {
    if (!soundOn() || !(window.AudioContext || window.webkitAudioContext)) return;
    if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume().catch(function () {});
  }
  function beep() {
    if (!soundOn()) return;
    unlock();
    if (!audio) return;
    [0, 0.35].forEach(function (at) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.2);
    });
    bar.setAttribute("data-beeped", String((+bar.getAttribute("data-beeped") || 0) + 1));
  }
  if (soundButton) {
    soundButton.hidden = false;
    soundButton.setAttribute("aria-pressed", soundOn() ? "true" : "false");
    soundButton.addEventListener("click", function () {
      var on = !soundOn();
      try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: stays off */ }
      soundButton.setAttribute("aria-pressed", on ? "true" : "false");
      unlock();
    });
  }
  document.addEventListener("pointerdown", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });

  function show(data) {
    ["new", "urgent", "overdue"].forEach(function (name) {
      var el = bar.querySelector('[data-count="' + name + '"]');
      if (el && el.textContent !== String(data[name])) el.textContent = String(data[name]);
    });
    var item = bar.querySelector("[data-urgent-item]");
    if (item) item.classList.toggle("is-on", data.urgent > 0);
    var alert = bar.querySelector("[data-urgent-alert]");
    if (alert) {
      var numbers = alert.querySelector("[data-urgent-numbers]");
      var text = (data.urgent_numbers || []).join(", ");
      if (numbers && numbers.textContent !== text) numbers.textContent = text;
      alert.hidden = data.urgent === 0;
    }
    document.title = (data.total > 0 ? "(" + data.total + ") " : "") + baseTitle;
    if (queueBox && data.newest > queueNewest) queueBox.hidden = false;
    if (data.urgent > urgent) beep();
    urgent = data.urgent;
  }
  function check() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () {});
  }
  setInterval(check, 20000);
  document.addEventListener("visibilitychange", check);
})();

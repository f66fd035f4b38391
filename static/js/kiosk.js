// The kiosk page's helpers: card scans from a keyboard-wedge scanner, the idle warning and reset,
// the heartbeat, read-aloud and the PIN keypad. The server decides everything; this only asks it.
(function () {
  "use strict";
  var me = document.currentScript;
  var cfg = me ? me.dataset : {};
  var lang = document.documentElement.lang || "zh-Hans";
  var message = document.querySelector("[data-scan-message]");

  function post(url, data, json) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": cfg.csrf, "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded" },
      body: json ? JSON.stringify(data || {}) : new URLSearchParams(data || {})
    });
  }

  // --- Read aloud: the browser's voice where one exists for this language, else the server's espeak-ng.
  var speakButton = document.querySelector("[data-speak]");
  var player = document.querySelector("audio[data-speech]");  // one element: a new reading stops the last
  var spoken = null;
  function browserVoice() {
    if (!window.speechSynthesis) return null;
    var prefix = lang.toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) if (voices[i].lang.toLowerCase().indexOf(prefix) === 0) return voices[i];
    return null;
  }
  function say(text) {
    if (!text) return;
    var voice = browserVoice();
    if (voice) {
      window.speechSynthesis.cancel();
      var u = new SpeechSynthesisUtterance(text);
      u.voice = voice; u.lang = voice.lang;
      window.speechSynthesis.speak(u);
    } else if (cfg.speechUrl && player) {
      post(cfg.speechUrl, { text: text, lang: lang }).then(function (r) { return r.ok ? r.blob() : null; })
        .then(function (blob) {
          if (!blob) return;
          player.pause();
          if (spoken) URL.revokeObjectURL(spoken);
          spoken = URL.createObjectURL(blob);
          player.src = spoken;
          return player.play();
        }).catch(function () {});
    }
  }
  function updateSpeakButton() {
    if (speakButton) speakButton.hidden = !(browserVoice() || (cfg.speechUrl && player));
  }
  if (speakButton) {
    updateSpeakButton();
    if (window.speechSynthesis) window.speechSynthesis.addEventListener("voiceschanged", updateSpeakButton);
    speakButton.addEventListener("click", function () {
      var main = document.getElementById("main");
      say(main ? main.innerText : "");
    });
  }

  // A result screen (done, cancelled, refused) says what happened without waiting for a tap on Read aloud.
  var sayNow = Array.prototype.map.call(document.querySelectorAll("[data-say-now]"), function (el) {
    return el.innerText;
  }).join(" ");
  if (sayNow) say(sayNow);

  function tell(text) {
    if (!message) return;
    message.textContent = text;
    message.hidden = false;
    say(text);
  }

  // --- Scanner: a keyboard-wedge scanner "types" a card's URL in a fast burst ending in Enter.
  // People type with gaps over ~50 ms; scanners under ~30 ms. The burst counts as a scan when its
  // average gap is under 35 ms (one slow key on a busy machine does not spoil it); a pause of
  // 150 ms or more starts the buffer again.
  var MEAN_GAP_MS = 35, PAUSE_MS = 150, MIN_LENGTH = 16;
  var buffer = "", first = 0, last = 0;
  function submitScan(text) {
    if (!cfg.identify) return;
    text = text.replace(/^\][A-Za-z][0-9]/, "");  // AIM symbology identifier, e.g. ]Q1
    post(cfg.identify, { scan: text }).then(function (r) { return r.json(); }).then(function (result) {
      if (result.ok) window.location.replace(result.next);
      else tell(result.message);
    }).catch(function () { tell(document.body.getAttribute("data-offline") || ""); });
  }
  window.linliKioskScan = submitScan;  // the hardware bridge (bridge.js) hands its scans here
  window.linliKioskTell = tell;
  window.linliKioskPost = post;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    var now = performance.now();
    if (e.key === "Enter") {
      var burst = buffer, mean = buffer.length > 1 ? (last - first) / (buffer.length - 1) : Infinity;
      buffer = "";
      if (burst.length >= MIN_LENGTH && mean < MEAN_GAP_MS) { e.preventDefault(); submitScan(burst); }
      return;
    }
    if (e.key.length !== 1) return;
    if (!buffer || now - last > PAUSE_MS) { buffer = ""; first = now; }
    buffer += e.key;
    last = now;
  }, true);

  // A pasted card or badge link (a demo without a scanner, or a scanner in clipboard mode) counts too:
  // pasting is deliberate, and the server checks the token like any scan.
  document.addEventListener("paste", function (e) {
    var text = (e.clipboardData && e.clipboardData.getData("text") || "").trim();
    if (text.length >= MIN_LENGTH && /\/(c|b)\/[A-Za-z0-9_-]+$/.test(text)) {
      e.preventDefault();
      submitScan(text);
    }
  });

  // --- Leaving safely: warn after the idle time, then end the visit on the server and forget everything.
  function forgetEverything() {
    try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (err) { /* storage may be off */ }
    var jobs = [];
    // The service worker's shell, public pages (never a no-store response) and static files stay for offline use.
    if (window.caches) jobs.push(caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return !/^linli-(shell-|pages$|static$)/.test(k); })
        .map(function (k) { return caches.delete(k); }));
    }));
    if (window.indexedDB && indexedDB.databases) jobs.push(indexedDB.databases().then(function (dbs) {
      dbs.forEach(function (db) { indexedDB.deleteDatabase(db.name); });
    }));
    return Promise.all(jobs).catch(function () {});
  }
  var finishForm = document.querySelector("form[data-finish]");
  function finish() {
    forgetEverything().then(function () {
      if (!finishForm) { window.location.replace("/kiosk/"); return; }
      fetch(finishForm.action, { method: "POST", credentials: "same-origin", body: new FormData(finishForm) })
        .finally(function () { window.location.replace("/kiosk/"); });  // replace: Back shows nothing personal
    });
  }
  if (finishForm) finishForm.addEventListener("submit", function (e) { e.preventDefault(); finish(); });

  var idleSeconds = parseInt(cfg.idle || "0", 10);
  var overlay = document.querySelector("[data-idle-overlay]");
  var countEl = document.querySelector("[data-idle-count]");
  var idleTimer = null, countdown = null;
  function armIdle() {
    if (!idleSeconds) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(warn, idleSeconds * 1000);
  }
  function warn() {
    var left = 20;
    overlay.hidden = false;
    countEl.textContent = left;
    var still = overlay.querySelector("[data-still-here]");
    still.focus();  // no automatic speech: read-aloud is only ever started by a tap
    countdown = setInterval(function () {
      left -= 1;
      countEl.textContent = left;
      if (left <= 0) { clearInterval(countdown); finish(); }
    }, 1000);
  }
  if (overlay) overlay.querySelector("[data-still-here]").addEventListener("click", function () {
    clearInterval(countdown);
    overlay.hidden = true;
    if (cfg.stillHereUrl) post(cfg.stillHereUrl);
    armIdle();
  });
  ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, function () { if (overlay && overlay.hidden) armIdle(); }, true);
  });
  armIdle();

  // --- Heartbeat: the kiosk is alive; if the server ended this visit, the page starts over too.
  function beat() {
    if (!cfg.heartbeat) return;
    post(cfg.heartbeat, { version: cfg.version, devices: window.linliDevices || null }, true).then(function (r) { return r.json(); }).then(function (state) {
      if (idleSeconds && !state.visit) finish();  // through /kiosk/finish: it also restores the kiosk's defaults
    }).catch(function () {});
  }
  if (cfg.heartbeat) { beat(); setInterval(beat, 60000); }

  // --- Attract screen: a touch anywhere starts.
  var attract = document.querySelector("[data-touch-start]");
  if (attract) attract.addEventListener("click", function (e) {
    if (e.target.closest("a, button, form")) return;
    window.location.assign(attract.getAttribute("data-touch-start"));
  });

  // --- PIN keypad: large on-screen keys fill the PIN field.
  var keypad = document.querySelector("[data-keypad]");
  if (keypad) {
    var field = document.getElementById(keypad.getAttribute("data-keypad"));
    keypad.hidden = false;
    keypad.addEventListener("click", function (e) {
      var key = e.target.closest("[data-key]");
      if (!key || !field) return;
      var k = key.getAttribute("data-key");
      field.value = k === "back" ? field.value.slice(0, -1) : (field.value + k).slice(0, 6);
    });
  }
})();

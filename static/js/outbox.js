// The phone's outbox: a form marked data-outbox that is sent while offline is kept in IndexedDB with a fresh
// Idempotency-Key and shown as "waiting to send"; the service worker delivers it when the network returns and
// removes it only after the server confirms (the server answers a repeated key with the first result).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.indexedDB) return;
  // Every entry carries the tag of the resident who wrote it, and a page shows only its own person's entries. A
  // signed-in page names its person; the offline page is an anonymous copy, so it shows the entries of the person
  // last signed in on this phone (remembered here, forgotten at sign-out), never anyone else's.
  var REMEMBERED = "linli-outbox-owner";
  var owner = script.getAttribute("data-owner") || "";
  var offlinePage = !!document.querySelector("[data-outbox-offline]");
  var text = function (name) { return script.getAttribute("data-" + name) || ""; };
  function remembered(value) {
    try {
      if (value === undefined) return localStorage.getItem(REMEMBERED) || "";
      if (value) localStorage.setItem(REMEMBERED, value); else localStorage.removeItem(REMEMBERED);
    } catch (e) { /* storage refused: the offline page then lists nothing */ }
    return "";
  }
  if (owner) remembered(owner);
  else if (navigator.onLine && !offlinePage) remembered("");  // the server says nobody is signed in here
  var reader = owner || (offlinePage ? remembered() : "");

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("linli-outbox", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("outbox", { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(mode) { return open().then(function (db) { return db.transaction("outbox", mode).objectStore("outbox"); }); }
  function all() {
    return store("readonly").then(function (s) {
      return new Promise(function (resolve) { var r = s.getAll(); r.onsuccess = function () { resolve(r.result); }; });
    });
  }
  // A change counts once its transaction has committed ("complete"), not when it was asked for: storage that is
  // full fails at commit, and an entry that was never kept must not be reported as kept.
  function write(change) {
    return store("readwrite").then(function (s) {
      return new Promise(function (resolve, reject) {
        var tx = s.transaction;
        tx.oncomplete = function () { resolve(); };
        tx.onabort = tx.onerror = function () { reject(tx.error || new Error("outbox not written")); };
        change(s);
      });
    });
  }
  function put(entry) { return write(function (s) { s.put(entry); }); }
  function remove(key) { return write(function (s) { s.delete(key); }); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  var begun = 0, passes = 0;  // looks at the outbox begun and finished (tests wait for the one they caused)
  function render() {
    var lists = document.querySelectorAll("[data-outbox-list]");
    if (!lists.length) return Promise.resolve();
    var mine = ++begun;
    lists.forEach(function (section) { section.setAttribute("data-outbox-begun", String(mine)); });
    return all().then(function (entries) {
      entries = entries.filter(function (e) { return !!reader && e.owner === reader; });
      // The service worker asks for a new rendering after every try; a list that did not change is left as it
      // is, so that a tap on "Remove" is never split between a button and its replacement (and lost), and a
      // screen reader keeps its place.
      var shown = JSON.stringify(entries.map(function (e) { return [e.key, e.label, e.failed || null, e.next || "", e.summary || []]; }));
      passes = Math.max(passes, mine);
      lists.forEach(function (section) {
        section.setAttribute("data-outbox-passes", String(passes));
        if (section.getAttribute("data-outbox-shown") === shown) return;
        section.setAttribute("data-outbox-shown", shown);
        var ul = section.querySelector("[data-outbox-items]");
        ul.textContent = "";
        entries.forEach(function (entry) {
          var li = document.createElement("li");
          li.className = "outbox-entry";
          li.setAttribute("data-outbox-entry", entry.key);
          var title = document.createElement("strong");
          title.textContent = entry.label;
          var status = document.createElement("span");
          status.className = "status";
          status.textContent = entry.failed ? text("refused") + ": " + entry.failed.join(" ") + " " + (entry.next || "") : text("waiting");
          li.appendChild(title);
          li.appendChild(status);
          (entry.summary || []).forEach(function (line) {
            var p = document.createElement("span");
            p.className = "card-meta";
            p.textContent = line;
            li.appendChild(document.createElement("br"));
            li.appendChild(p);
          });
          if (entry.failed) {
            var button = document.createElement("button");
            button.type = "button";
            button.className = "btn btn-secondary";
            button.textContent = text("remove");
            button.addEventListener("click", function () { remove(entry.key).then(render); });
            li.appendChild(button);
          }
          ul.appendChild(li);
        });
        section.hidden = entries.length === 0;
        section.setAttribute("data-outbox-count", String(entries.length));  // listed (tests wait for it)
      });
    });
  }

  // What the entry says, in the words on the page: the form's visible labels and chosen values.
  function summary(form) {
    var lines = [];
    document.querySelectorAll("[data-outbox-line]").forEach(function (el) { lines.push(el.textContent.replace(/\s+/g, " ").trim()); });
    return lines;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-outbox") || navigator.onLine || !owner) return;
    event.preventDefault();
    var body = [];
    new FormData(form).forEach(function (value, name) { if (typeof value === "string") body.push([name, value]); });
    if (event.submitter && event.submitter.name) body.push([event.submitter.name, event.submitter.value]);
    var entry = {
      key: uuid(), owner: owner, url: form.getAttribute("action") || location.pathname, body: body,
      label: form.getAttribute("data-outbox"), summary: summary(form), created: Date.now()
    };
    function say(words, failed) {
      var note = document.querySelector("[data-outbox-note]") || document.createElement("p");
      note.setAttribute("data-outbox-note", failed ? "failed" : "queued");
      note.setAttribute("role", failed ? "alert" : "status");
      note.className = failed ? "error-summary" : "flash";
      note.textContent = words;
      form.parentNode.insertBefore(note, form);
    }
    put(entry).then(function () { say(text("queued"), false); return render(); },
      function () { say(text("not-kept"), true); });
  });

  // Sign-out keeps undelivered entries but says so first; everything else the phone kept is cleared.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-sign-out")) return;
    if (form.getAttribute("data-confirmed") === "1") return;
    event.preventDefault();
    all().then(function (entries) {
      var mine = entries.filter(function (e) { return !!owner && e.owner === owner; });
      if (mine.length && !form.querySelector("[data-outbox-warning]")) {
        var warning = document.createElement("p");
        warning.className = "error-summary";
        warning.setAttribute("role", "alert");
        warning.setAttribute("data-outbox-warning", "");
        warning.textContent = text("signout-warning");
        form.insertBefore(warning, form.firstChild);
        return;
      }
      // Confirmed (asked again after the warning, or nothing was waiting): only now the stored pages go.
      remembered("");
      var clear = window.caches ? caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("linli-pages") === 0; }).map(function (k) { return caches.delete(k); }));
      }) : Promise.resolve();
      clear.catch(function () {}).then(function () { form.setAttribute("data-confirmed", "1"); form.submit(); });
    });
  });

  navigator.serviceWorker && navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.outbox === "delivered" && data.result && data.result.url && document.querySelector("[data-outbox-follow]")) {
      location.href = data.result.url;
      return;
    }
    if (data.outbox) render();
  });
  render().then(function () { if (navigator.onLine && window.linliFlush) window.linliFlush(); });
})();

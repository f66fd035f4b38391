// The kiosk's hardware bridge (hardware/, on 127.0.0.1): scans and ID card reads arrive as Server-Sent
// Events; tickets are printed with POST /print; device health goes into the heartbeat. Without a bridge the
// page keeps working with the keyboard-wedge scanner and shows QR codes instead of printing.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource || !window.fetch) return;
  var base = me.getAttribute("data-bridge"), key = me.getAttribute("data-key");
  var readerUrl = me.getAttribute("data-identify-reader");
  window.linliDevices = { bridge: "connecting" };
  // EventSource retries every few seconds for ever; a bridge that is down (unplugged box, stopped service) is
  // asked again after a growing pause instead (up to five minutes), and the heartbeat reports it offline.
  var events = null, pause = 5000;
  function listen() {
    events = new EventSource(base + "/events?key=" + encodeURIComponent(key));
    events.addEventListener("open", function () { window.linliDevices.bridge = "ok"; pause = 5000; });
    events.addEventListener("error", function () {
      window.linliDevices = { bridge: "offline" };
      events.close();
      setTimeout(listen, pause);
      pause = Math.min(pause * 2, 300000);
    });
    events.addEventListener("status", function (e) {
      try { window.linliDevices = Object.assign({ bridge: "ok" }, JSON.parse(e.data)); } catch (err) { /* ignore */ }
    });
    events.addEventListener("scan", onScan);
    events.addEventListener("id_card", onCard);
  }
  function onScan(e) {
    try { if (window.linliKioskScan) window.linliKioskScan(JSON.parse(e.data).text); } catch (err) { /* ignore */ }
  }
  function onCard(e) {
    var number;
    try { number = JSON.parse(e.data).id_number; } catch (err) { return; }
    if (!number || !window.linliKioskPost) return;
    window.linliKioskPost(readerUrl, { id_number: number }).then(function (r) { return r.json(); })
      .then(function (result) {
        if (result.ok) window.location.replace(result.next);
        else if (window.linliKioskTell) window.linliKioskTell(result.message);
      }).catch(function () {});
    number = null;  // used once, never kept
  }
  listen();

  // Print buttons carry the ticket as JSON; the printer answers ok or a reason shown in words.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print]");
    if (!button) return;
    var status = document.querySelector(button.getAttribute("data-print-status"));
    button.disabled = true;
    fetch(base + "/print", {
      method: "POST", headers: { "Content-Type": "application/json", "X-Linli-Bridge-Key": key },
      body: button.getAttribute("data-print")
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (result) {
        if (status) status.textContent = button.getAttribute(result.ok ? "data-printed" : "data-print-failed");
      })
      .catch(function () { if (status) status.textContent = button.getAttribute("data-print-failed"); })
      .finally(function () { button.disabled = false; });
  });
})();

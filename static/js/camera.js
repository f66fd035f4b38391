/* Check-in by the device camera. A button opens the camera and reads the card's QR (its link <base>/c/<token>),
   puts it in the scan box and submits the form; the server checks the link again (card_for_scan), nothing here
   decides anything. Decoding: the browser's BarcodeDetector where it has one for QR codes (Android Chrome),
   otherwise a small self-hosted decoder (static/js/vendor/qr-worker.js, jsQR) in a worker, loaded only when the
   camera is opened, so the page stays light and the volunteer's screen never stutters. Without a camera the
   button stays hidden and the box works as before: a USB scanner types the link, or it is pasted or typed. */
(function () {
  "use strict";
  var button = document.querySelector("[data-camera-scan]");
  if (!button || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.Worker) return;
  var video = document.querySelector("[data-camera-video]");
  var status = document.querySelector("[data-camera-status]");
  var input = document.getElementById(button.getAttribute("data-camera-scan"));
  var stopButton = document.querySelector("[data-camera-stop]");
  var stream = null;
  var worker = null;
  var timer = null;
  var starting = false;  // the permission prompt may be open: a second tap must not open a second camera
  var wanted = false;  // false once the volunteer closed the camera, even before it opened
  button.hidden = false;

  function say(words) { if (status) status.textContent = words || ""; }
  function stop() {
    wanted = false;
    if (timer) window.clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    if (worker) worker.terminate();
    worker = null;
    video.hidden = true;
    if (stopButton) stopButton.hidden = true;
    button.hidden = false;
  }
  function found(text) {
    if (!stream) return;  // an answer that arrives after the camera was closed
    stop();
    input.value = text;
    say(button.getAttribute("data-found"));
    input.form.submit();
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  function withDetector(detector) {
    (function look() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length) found(codes[0].rawValue);
        else timer = window.setTimeout(look, 200);
      }).catch(function () { timer = window.setTimeout(look, 400); });
    })();
  }

  function withWorker() {
    worker = new Worker(button.getAttribute("data-decoder"));
    worker.onerror = function () { refused(); };  // the decoder could not load or failed: say so, free the camera
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var busy = false;
    worker.onmessage = function (event) {
      busy = false;
      if (event.data && event.data.type === "qrResult" && event.data.data) found(event.data.data);
    };
    (function look() {
      if (!stream) return;
      if (!busy && video.videoWidth) {
        var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        busy = true;
        worker.postMessage({ id: 1, type: "decode", data: context.getImageData(0, 0, canvas.width, canvas.height) });
      }
      timer = window.setTimeout(look, 200);
    })();
  }

  function refused() {
    stop();
    button.hidden = true;
    say(button.getAttribute("data-refused"));
    input.focus();
  }

  button.addEventListener("click", function () {
    if (starting || stream) return;
    starting = true;
    wanted = true;
    if (stopButton) stopButton.hidden = false;
    say(button.getAttribute("data-starting"));
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      starting = false;
      if (!wanted) { s.getTracks().forEach(function (t) { t.stop(); }); return; }  // closed while asking
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      button.hidden = true;
      if (stopButton) stopButton.hidden = false;
      video.play().catch(function () {});
      say(button.getAttribute("data-hold"));
      return nativeDetector().then(function (detector) {
        if (detector) withDetector(detector); else withWorker();
      });
    }).catch(function () {
      starting = false;
      refused();
    });
  });
  if (stopButton) stopButton.addEventListener("click", function () { stop(); say(""); button.focus(); });
  window.addEventListener("pagehide", stop);
})();

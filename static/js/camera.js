/* Check-in by the device camera: where the browser has the BarcodeDetector API, a button opens the camera,
   reads the card's QR (its link <base>/c/<token>) and submits it in the scan box. Without that API the button
   stays hidden and the box works as before: a USB scanner types the link, or the volunteer pastes or types it.
   The server checks the link again (card_for_scan); nothing here decides anything. */
(function () {
  "use strict";
  var button = document.querySelector("[data-camera-scan]");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var video = document.querySelector("[data-camera-video]");
  var input = document.getElementById(button.getAttribute("data-camera-scan"));
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { stop(); input.value = codes[0].rawValue; input.form.submit(); }
          else window.setTimeout(look, 250);
        }).catch(function () { window.setTimeout(look, 500); });
      };
      look();
    }).catch(function () { button.hidden = true; input.focus(); });
  });
})();

/* Lessons and certificates: a button that prints the page (the print style sheet makes it large type), and on
   lessons a "Read aloud" button: the browser's own voice for the page's language where it has one, otherwise
   the server's recording of the lesson (shown only when one of the two exists; a second tap stops). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print-page]");
    if (button) window.print();
  });

  var reader = document.querySelector("[data-read-aloud]");
  if (!reader) return;
  var lang = (document.documentElement.lang || "zh-Hans").toLowerCase();
  var recording = reader.getAttribute("data-audio");
  var audio = document.querySelector("audio[data-speech]");
  function voice() {
    if (!window.speechSynthesis) return null;
    var prefix = lang.indexOf("zh") === 0 ? "zh" : "en";
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) if (voices[i].lang.toLowerCase().indexOf(prefix) === 0) return voices[i];
    return null;
  }
  function update() { reader.hidden = !(voice() || recording); }
  update();
  if (window.speechSynthesis) window.speechSynthesis.addEventListener("voiceschanged", update);
  reader.addEventListener("click", function () {
    var v = voice();
    if (v) {
      if (window.speechSynthesis.speaking) { window.speechSynthesis.cancel(); return; }
      var lesson = document.querySelector(".lesson");
      var u = new SpeechSynthesisUtterance(lesson ? lesson.innerText : "");
      u.voice = v; u.lang = v.lang;
      window.speechSynthesis.speak(u);
    } else if (audio && !audio.paused) {
      audio.pause();
    } else if (audio) {
      if (!audio.src) audio.src = recording;
      audio.currentTime = 0;
      audio.play().catch(function () {});
    }
  });
})();

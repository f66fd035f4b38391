/* Lessons and certificates: a button that prints the page (the print style sheet makes it large type). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print-page]");
    if (button) window.print();
  });
})();

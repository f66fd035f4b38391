// The class roster: a skill mark saves without reloading, so the leader keeps their place in a long roster.
// Without this script each mark is an ordinary form post that returns to the same attendee (#a<id>).
// The server checks and stores every mark; this only sends the form and shows the answer.
(function () {
  "use strict";
  var status = document.querySelector("[data-mark-status]");
  if (!window.fetch || !window.FormData) return;
  document.querySelectorAll("form[data-mark]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || button.name !== "level") return;
      event.preventDefault();
      var data = new FormData(form);
      data.set("level", button.value);
      var buttons = form.querySelectorAll("button[name=level]");
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          buttons.forEach(function (b) { b.disabled = false; });
          if (answer.ok) {
            buttons.forEach(function (b) {
              var chosen = b === button;
              b.setAttribute("aria-pressed", chosen ? "true" : "false");
              b.classList.toggle("btn-secondary", !chosen);
              var mark = b.querySelector("svg");
              if (mark && !chosen) mark.parentNode.removeChild(mark);
              var icon = document.querySelector("template[data-check-icon]");
              if (chosen && !mark && icon) b.insertBefore(icon.content.firstElementChild.cloneNode(true), b.firstChild);
            });
          }
          if (status) status.textContent = answer.body.words || "";
          form.setAttribute("data-saved", answer.ok ? "1" : "0");
        })
        .catch(function () {  // no answer: send the ordinary form instead
          var level = document.createElement("input");
          level.type = "hidden"; level.name = "level"; level.value = button.value;
          form.appendChild(level);
          form.submit();
        });
    });
  });
})();

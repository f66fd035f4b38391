// The class roster: a mark saves without reloading, so the leader keeps their place. Without this script a mark
// is an ordinary form post that returns to the same attendee (#a<id>). The server checks every mark.
(function () {
  "use strict";
  var status = document.querySelector("[data-mark-status]");
  if (!window.fetch || !window.FormData) return;
  document.querySelectorAll("form[data-mark]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || button.name !== "mark") return;
      event.preventDefault();
      var data = new FormData(form);
      data.set("mark", button.value);
      var group = button.parentNode;
      var buttons = group.querySelectorAll("button[name=mark]");
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          buttons.forEach(function (b) {
            b.disabled = false;
            if (!answer.ok) return;
            var chosen = b === button;
            b.setAttribute("aria-pressed", chosen ? "true" : "false");  // the style follows it
          });
          if (status) status.textContent = answer.body.words || "";
          group.setAttribute("data-saved", answer.ok ? "1" : "0");
        })
        .catch(function () {  // no answer: send the ordinary form instead
          var mark = document.createElement("input");
          mark.type = "hidden"; mark.name = "mark"; mark.value = button.value;
          form.appendChild(mark);
          form.submit();
        });
    });
  });
})();

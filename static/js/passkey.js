// Passkeys: add this phone as a way to sign in, and sign in with it. The server checks everything.
(function () {
  "use strict";
  function b64ToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    o.challenge = b64ToBuf(o.challenge);
    o.user.id = b64ToBuf(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
    return o;
  }
  function requestOptions(o) {
    o.challenge = b64ToBuf(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
    return o;
  }
  function credentialJSON(c) {
    if (c.toJSON) return c.toJSON();
    var r = c.response, json = { id: c.id, rawId: bufToB64(c.rawId), type: c.type, response: {
      clientDataJSON: bufToB64(r.clientDataJSON) }, clientExtensionResults: {} };
    if (r.attestationObject) {
      json.response.attestationObject = bufToB64(r.attestationObject);
      if (r.getTransports) json.response.transports = r.getTransports();
    } else {
      json.response.authenticatorData = bufToB64(r.authenticatorData);
      json.response.signature = bufToB64(r.signature);
      if (r.userHandle) json.response.userHandle = bufToB64(r.userHandle);
    }
    return json;
  }
  function post(url, body, csrf) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } });
  }
  function say(box, text) { if (box) { box.textContent = text; box.hidden = false; } }

  document.querySelectorAll("[data-passkey]").forEach(function (button) {
    if (!window.PublicKeyCredential) { button.hidden = true; return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var mode = button.getAttribute("data-passkey");
      var csrf = button.getAttribute("data-csrf");
      var box = document.getElementById(button.getAttribute("aria-describedby") || "");
      var failed = button.getAttribute("data-failed");
      post(button.getAttribute("data-options"), "{}", csrf).then(function (r) { return r.json(); })
        .then(function (options) {
          return mode === "register"
            ? navigator.credentials.create({ publicKey: creationOptions(options) })
            : navigator.credentials.get({ publicKey: requestOptions(options) });
        })
        .then(function (credential) {
          return post(button.getAttribute("data-submit"), JSON.stringify(credentialJSON(credential)), csrf);
        })
        .then(function (r) { return r.json(); })
        .then(function (result) {
          if (result.ok) window.location.assign(result.next);
          else say(box, result.message || failed);
        })
        .catch(function () { say(box, failed); });
    });
  });
})();

// Safeharbor's only script: the idle-timeout warning, confirmations and upload progress. Everything works
// without it; the server signs idle sessions out on its own (45 CFR 164.312(a)(2)(iii)).
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var dialog = document.getElementById("idle-dialog");
  if (idle > 0 && dialog) {
    var warnAt = Math.max(idle - 60, Math.floor(idle / 2));
    var last = Date.now();
    var countdown = document.getElementById("idle-countdown");
    var stay = document.getElementById("idle-stay");
    var reset = function () { last = Date.now(); if (dialog.open) { dialog.close(); } };
    document.addEventListener("htmx:afterRequest", reset);
    stay.addEventListener("click", function () {
      fetch("/session/keepalive", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": body.getAttribute("data-csrf") || "" }
      }).then(function (r) {
        if (r.ok) { reset(); } else { window.location.assign("/login?timeout=1"); }
      });
    });
    setInterval(function () {
      var elapsed = (Date.now() - last) / 1000;
      if (elapsed >= idle) {
        window.location.assign("/login?timeout=1");
      } else if (elapsed >= warnAt) {
        countdown.textContent = String(Math.ceil(idle - elapsed));
        if (!dialog.open) { dialog.showModal(); stay.focus(); }
      }
    }, 1000);
  }
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // Evidence uploads: send with a progress bar; the server answers JSON with where to go
  // or what to fix. Without this script the form posts normally.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-upload") || e.defaultPrevented || !window.FormData) { return; }
    e.preventDefault();
    var bar = form.querySelector("[data-upload-progress]");
    var err = form.querySelector("[data-upload-error]");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "application/json");
    if (bar) { bar.hidden = false; bar.value = 0; }
    if (err) { err.hidden = true; err.textContent = ""; }
    if (button) { button.disabled = true; }
    xhr.upload.addEventListener("progress", function (p) {
      if (bar && p.lengthComputable) { bar.value = Math.round(100 * p.loaded / p.total); }
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (x) { body = {}; }
      if (xhr.status < 300 && body.location) { window.location.assign(body.location); return; }
      if (button) { button.disabled = false; }
      if (bar) { bar.hidden = true; }
      if (err) {
        err.textContent = typeof body.error === "string" ? body.error
          : (body.error && body.error.message) || "The upload failed; try again.";
        err.hidden = false;
        err.focus();
      }
    });
    xhr.addEventListener("error", function () {
      if (button) { button.disabled = false; }
      if (err) { err.textContent = "The upload was interrupted; try again."; err.hidden = false; }
    });
    xhr.send(new FormData(form));
  });
})();

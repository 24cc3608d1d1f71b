// Safeharbor's only script: the idle-timeout warning and confirmations. Everything works
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
})();

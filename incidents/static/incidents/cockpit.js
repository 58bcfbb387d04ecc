// The cockpit's live countdowns and elapsed time (issue 25). A file, not an inline
// script: the portal's CSP (`script-src 'self'`) refuses inline scripts, which left
// "due in 14 min" frozen on screen. The words follow incidents/cockpit.py's humanize()
// and countdown_words(), so a reload and a tick always say the same thing.
(function () {
  "use strict";

  function human(ms) {
    var m = Math.floor(Math.abs(ms) / 60000);
    if (m < 60) return m + " min";
    var h = Math.floor(m / 60);
    m = m % 60;
    if (h < 48) return h + " h " + (m < 10 ? "0" : "") + m + " min";
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var diff = Date.parse(el.dataset.due) - now;
      var missed = diff < 0;
      el.textContent = missed ? "missed " + human(diff) + " ago" : "due in " + human(diff);
      el.classList.toggle("missed", missed);
      el.classList.toggle("due", !missed);
    });
    var elapsed = document.querySelector("#cockpit-elapsed[data-since]");
    if (elapsed) elapsed.textContent = human(now - Date.parse(elapsed.dataset.since));
  }

  function start() {
    if (!document.querySelector(".countdown[data-due], #cockpit-elapsed[data-since]")) return;
    tick();
    // Words change once a minute; a 10 s tick keeps them at most 10 s behind.
    setInterval(tick, 10000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

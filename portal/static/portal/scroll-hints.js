// Tables wider than their scrolling box say so (issue 25). On a phone a box that
// scrolls sideways shows no scrollbar until touched, so its right-hand columns looked
// cut off. Each such box gets a visible line above it; the line goes when the table
// fits again (a wider window). A file, not an inline script: the CSP allows files only.
(function () {
  "use strict";

  var TEXT = "Wider than the screen: scroll the table sideways to see every column.";

  function scrollingBox(table) {
    for (var el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      var overflow = getComputedStyle(el).overflowX;
      if (overflow === "auto" || overflow === "scroll") return el;
      if (overflow !== "visible") return null;
    }
    return null;
  }

  function update() {
    document.querySelectorAll("#content table").forEach(function (table) {
      var box = scrollingBox(table);
      if (!box || !box.parentElement) return;
      var hint = box.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !has) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = TEXT;
        box.parentElement.insertBefore(hint, box);
      } else if (!wide && has) {
        hint.remove();
      }
    });
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("load", update);
  window.addEventListener("resize", later);
})();

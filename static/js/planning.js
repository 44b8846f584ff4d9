// Planning grid enhancements; everything works without this file.
// - shift-click selects a range of days in the same row;
// - after htmx swaps the grid in place, the shift-click handler is bound again.
(function () {
  "use strict";
  var shift = false;
  var last = null;
  function bind() {
    var form = document.getElementById("planning-form");
    if (!form || form.dataset.bound) { return; }
    form.dataset.bound = "1";
    last = null;
    form.addEventListener("click", function (event) { shift = event.shiftKey; }, true);
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.classList || !box.classList.contains("cell__check")) { return; }
      var row = box.closest("tr");
      if (shift && last && last !== box && row && row === last.closest("tr")) {
        var boxes = Array.prototype.slice.call(row.querySelectorAll(".cell__check"));
        var a = boxes.indexOf(last);
        var b = boxes.indexOf(box);
        for (var i = Math.min(a, b); i <= Math.max(a, b); i++) { boxes[i].checked = box.checked; }
      }
      last = box;
    });
  }
  bind();
  document.body.addEventListener("htmx:afterSwap", function () {
    bind();
    var results = document.getElementById("planning-results");
    if (results) { results.setAttribute("tabindex", "-1"); results.focus(); }
  });
})();

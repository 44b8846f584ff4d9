// Planning grid: shift-click selects a range of days in the same row. Everything works
// without this file; it only saves clicks.
(function () {
  "use strict";
  var form = document.getElementById("planning-form");
  if (!form) { return; }
  var shift = false;
  var last = null;
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
})();

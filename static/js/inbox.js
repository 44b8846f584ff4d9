// Request inbox enhancements; ticking rows and deciding also work without this file.
// - a « tout sélectionner » box ticks or clears every row of the page (indeterminate when some);
// - the bulk bar counts the ticked rows (read out politely) and ticked rows are marked.
(function () {
  "use strict";

  function bind() {
    var form = document.getElementById("inbox-form");
    if (!form) { return; }
    var all = document.getElementById("select-all");
    var count = document.getElementById("bulk-count");

    function boxes() {
      return Array.prototype.slice.call(form.querySelectorAll("input[name=bookings]"));
    }

    function refresh() {
      var list = boxes();
      var ticked = list.filter(function (box) { return box.checked; }).length;
      list.forEach(function (box) {
        var row = box.closest("tr");
        if (row) { row.classList.toggle("is-selected", box.checked); }
      });
      if (all) {
        all.checked = ticked > 0 && ticked === list.length;
        all.indeterminate = ticked > 0 && ticked < list.length;
      }
      if (count) {
        if (ticked === 0) { count.textContent = count.dataset.none; }
        else if (ticked === 1) { count.textContent = count.dataset.one; }
        else { count.textContent = count.dataset.many.replace("{n}", String(ticked)); }
      }
    }

    if (all) {
      var wrapper = all.closest("[data-select-all]");
      if (wrapper) { wrapper.hidden = false; }
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        refresh();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "bookings") { refresh(); }
    });
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();

// Planning grid enhancements; every action also works as a plain form without this file.
// - ticking days opens a small action bar offering only what is allowed on all of them;
// - Enter on a day ticks it and moves focus into that bar; Escape closes it;
// - shift-click selects a range of days in the same row;
// - after htmx swaps the grid in place, everything is bound again and focus goes to the
//   outcome of the action.
(function () {
  "use strict";
  var shift = false;
  var last = null;

  function checked(form) {
    return Array.prototype.slice.call(form.querySelectorAll(".cell__check:checked"));
  }

  function refreshMenu(form) {
    var menu = document.getElementById("cell-menu");
    if (!menu) { return; }
    var boxes = checked(form);
    if (!boxes.length) { menu.hidden = true; return; }
    var allowed = null;
    boxes.forEach(function (box) {
      var actions = (box.dataset.actions || "").split(" ");
      allowed = allowed === null ? actions : allowed.filter(function (a) { return actions.indexOf(a) >= 0; });
    });
    menu.querySelectorAll("[data-action]").forEach(function (button) {
      var action = button.dataset.action;
      button.hidden = action !== "clear" && allowed.indexOf(action) < 0;
    });
    var title = document.getElementById("cell-menu-title");
    var count = boxes.length;
    title.textContent = count === 1 ? "1 jour coché" : count + " jours cochés";
    if (allowed.length === 0) { title.textContent += " : aucune action commune, cochez des jours du même état"; }
    menu.hidden = false;
  }

  function bind() {
    var form = document.getElementById("planning-form");
    if (!form || form.dataset.bound) { return; }
    form.dataset.bound = "1";
    last = null;
    var menu = document.getElementById("cell-menu");
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
      refreshMenu(form);
    });
    form.addEventListener("keydown", function (event) {
      var box = event.target;
      if (event.key === "Enter" && box.classList && box.classList.contains("cell__check")) {
        event.preventDefault();
        if (!box.checked) { box.checked = true; }
        last = box;
        refreshMenu(form);
        var first = menu && menu.querySelector("button:not([hidden])");
        if (first) { first.focus(); }
      } else if (event.key === "Escape" && menu && !menu.hidden) {
        menu.hidden = true;
        if (last) { last.focus(); }
      }
    });
    if (menu) {
      menu.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button) { return; }
        if (button.dataset.action === "absence") {
          var fieldset = document.getElementById("absence-fieldset");
          fieldset.scrollIntoView({ block: "center" });
          fieldset.querySelector("select").focus();
        } else if (button.dataset.action === "clear") {
          checked(form).forEach(function (box) { box.checked = false; });
          refreshMenu(form);
          if (last) { last.focus(); }
        }
      });
    }
    refreshMenu(form);
  }

  bind();
  document.body.addEventListener("htmx:afterSwap", function () {
    bind();
    var results = document.getElementById("planning-results");
    if (results) { results.setAttribute("tabindex", "-1"); results.focus(); }
  });
})();

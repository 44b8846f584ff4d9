// Pointage sheet: htmx swaps a child's row in place after each tap; this file only reports
// what htmx cannot: a tap that never reached the server (flaky tablet connection). A tap
// sets a value, so tapping again is always safe. Without JavaScript the forms post as usual.
(function () {
  "use strict";

  function rowOf(event) {
    var form = event.detail && event.detail.elt;
    return form && form.closest ? form.closest(".attendance-row") : null;
  }

  function say(text) {
    var box = document.getElementById("sheet-messages");
    if (!box) { return; }
    var message = document.createElement("p");
    message.className = "message message--error";
    message.textContent = text;
    box.replaceChildren(message);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event);
    if (row) { row.setAttribute("aria-busy", "true"); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var row = rowOf(event);
    if (row) { row.removeAttribute("aria-busy"); }
  });

  function failed(event) {
    var row = rowOf(event);
    if (!row) { return; }
    var name = row.querySelector(".child-name");
    say("La connexion a échoué : le pointage de " + (name ? name.textContent : "l'enfant") +
        " n'est peut-être pas enregistré. Touchez à nouveau le bouton (sans risque de doublon).");
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:timeout", failed);
}());

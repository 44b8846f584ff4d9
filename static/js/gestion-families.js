/* Families area: the letter's « Imprimer » button (hidden without JavaScript; Ctrl+P works). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();

// Kitchen headcount: the « Imprimer » button opens the browser's print dialog. The button
// stays hidden without JavaScript; the browser's own print command gives the same sheet.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();

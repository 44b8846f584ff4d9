// Pointage sheet: htmx swaps a child's row in place after each tap; this file only reports
// what htmx cannot: a tap that never reached the server (flaky tablet connection) or that
// met an expired session (a redirect to the login page, or a 403 once the CSRF cookie is
// gone). A tap sets a value, so tapping again is always safe. The words
// come translated from the page (data-* of #sheet-messages). Without JavaScript the forms
// post as usual.
(function () {
  "use strict";

  function rowOf(event) {
    var form = event.detail && event.detail.elt;
    return form && form.closest ? form.closest(".attendance-row") : null;
  }

  function say(kind, childName) {
    var box = document.getElementById("sheet-messages");
    if (!box) { return; }
    var text = (box.dataset[kind] || "").replace("%(child)s", childName || "");
    var message = document.createElement("p");
    message.className = "message message--error";
    message.textContent = text;
    box.replaceChildren(message);
  }

  function nameIn(row) {
    var name = row && row.querySelector(".child-name");
    return name ? name.textContent : "";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event);
    if (row) { row.setAttribute("aria-busy", "true"); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var row = rowOf(event);
    if (row) { row.removeAttribute("aria-busy"); }
  });

  // A logged-out tap is redirected to the login page: never swap that page into a row.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = rowOf(event);
    var xhr = event.detail.xhr;
    if (row && xhr && xhr.responseURL && xhr.responseURL.indexOf("/connexion/") >= 0) {
      event.detail.shouldSwap = false;
      say("loggedOut", nameIn(row));
    }
  });

  function failed(event) {
    var row = rowOf(event);
    if (!row) { return; }
    // 403: the session (and its CSRF token) is gone; reloading the page is the way back.
    var xhr = event.detail.xhr;
    say(xhr && xhr.status === 403 ? "loggedOut" : "failed", nameIn(row));
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:timeout", failed);
}());

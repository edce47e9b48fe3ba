// Assignment pages: small enhancements; everything works without this script.
(function () {
  "use strict";
  // On a phone the filters fold away unless one is in use, so the cards come first.
  function foldFilters() {
    var phone = window.matchMedia("(max-width: 47.99rem)").matches;
    document.querySelectorAll("details[data-collapse-on-phone]").forEach(function (box) {
      if (phone && !box.hasAttribute("data-active")) box.removeAttribute("open");
      if (!phone) box.setAttribute("open", "");
    });
  }
  document.addEventListener("DOMContentLoaded", foldFilters);
  // After moving a choice up or down, keep the keyboard focus on the same button.
  document.addEventListener("htmx:afterSettle", function () {
    var form = document.getElementById("ranking");
    var focus = form && form.getAttribute("data-focus");
    if (!focus) return;
    var button = form.querySelector('button[name="move"][value="' + focus + '"]');
    if (button && !button.disabled) {
      button.focus();
    } else {
      var item = form.querySelector("#choice-" + focus.split(":")[0] + " .ranking__title a");
      if (item) item.focus();
    }
  });
})();

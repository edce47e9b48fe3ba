// Small progressive enhancements shared by every page; pages work without it.
(function () {
  "use strict";
  // The phone menu: a button that shows and hides the main navigation.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu__toggle");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = !nav.classList.contains("is-open");
    nav.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // Escape closes the open phone menu and puts focus back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var toggle = document.querySelector('.menu__toggle[aria-expanded="true"]');
    if (!toggle) return;
    document.getElementById(toggle.getAttribute("aria-controls")).classList.remove("is-open");
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  });
  // A choice that takes effect at once (the language switch): <select data-autosubmit>.
  // Without scripts the form's own button (in <noscript>) sends it.
  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.submit();
  });
  // Confirm destructive actions: <button data-confirm="…">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();

// "Teams vormen": a member's "verplaatsen" button fills in the move form instead of reloading the page.
// Without this script the button is a link that does the same with a page load.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-move-student]");
    if (!link) return;
    var select = document.getElementById("move-student");
    if (!select) return;
    event.preventDefault();
    select.value = link.getAttribute("data-move-student");
    // Let htmx check the move as if the coordinator had picked the student.
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var form = document.getElementById("verplaatsen");
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    document.getElementById("move-to").focus({ preventScroll: true });
  });
})();

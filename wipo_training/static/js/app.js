// Ask before destructive actions: a submit button or link with data-confirm opens a modal
// <dialog> with the question (showModal keeps focus inside it; Escape cancels). Confirming
// repeats the click; cancelling puts focus back on the button, so a keyboard user goes on
// where they were. window.confirm could not be styled, and its focus cannot be followed.
(function () {
  var dialog = null;
  var opener = null;
  var confirmed = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    dialog.innerHTML =
      '<form method="dialog">' +
      '<p id="confirm-question" class="mb-3"></p>' +
      '<div class="d-flex flex-wrap gap-2 justify-content-end">' +
      '<button class="btn btn-outline-secondary" value="cancel">Go back</button>' +
      '<button class="btn btn-primary confirm-yes" value="confirm"></button>' +
      "</div></form>";
    dialog.addEventListener("close", function () {
      var target = opener;
      opener = null;
      if (dialog.returnValue === "confirm") {
        confirmed = target;
        target.click();
      } else {
        target.focus();
      }
    });
    document.body.appendChild(dialog);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (!target) {
      return;
    }
    if (target === confirmed) {
      confirmed = null;
      return;
    }
    event.preventDefault();
    if (!dialog) {
      build();
    }
    opener = target;
    dialog.returnValue = "";
    dialog.querySelector("#confirm-question").textContent = target.getAttribute("data-confirm");
    // The "yes" button says what happens: the words of the button that asked.
    dialog.querySelector(".confirm-yes").textContent = target.textContent.trim() || "Continue";
    dialog.showModal();
  });
})();

// After a failed submit the page comes back with its problems: the first field that has one
// gets focus, so a keyboard or screen reader user lands on it (its message is tied to it
// with aria-describedby).
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector("[aria-invalid='true']");
  if (first) {
    first.focus();
  }
});

// A table wider than the screen scrolls in its own box (.table-responsive): the box is then
// reachable with Tab (arrow keys scroll it) and named after its table's caption, so a keyboard
// user can read the columns past the edge. Checked again when the window changes size.
(function () {
  function markScrollingTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollingTables);
  window.addEventListener("resize", markScrollingTables);
})();

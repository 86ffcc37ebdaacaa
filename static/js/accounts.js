/* Account pages: "Copy" buttons for the two-factor setup key and the recovery codes.
   The buttons are hidden until this runs, so nobody sees a button that cannot work. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    var status = button.parentElement.querySelector("[data-copy-status]");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy-value")).then(
        function () { if (status) status.textContent = "Copied"; },
        function () { if (status) status.textContent = "Could not copy: select the text and copy it instead"; }
      );
    });
  });
})();

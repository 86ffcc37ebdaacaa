// Copy buttons (data-copy="<id of the element whose text to copy>"): hidden without
// JavaScript or a clipboard, so the page still shows every field to select by hand.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.clipboard) return;
    var status = document.getElementById("copy-status");
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      button.hidden = false;
      var label = button.firstChild.textContent;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.innerText.trim()).then(function () {
          button.firstChild.textContent = "Copied";
          if (status) status.textContent = "Copied to the clipboard.";
          setTimeout(function () { button.firstChild.textContent = label; }, 2000);
        });
      });
    });
  });
})();

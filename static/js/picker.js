/* Competency picker: a filter box over grouped checkboxes (the list works without it). */
(function () {
  "use strict";
  function setUp(picker) {
    var wrap = picker.querySelector("[data-picker-filter]");
    if (!wrap) return;
    var input = wrap.querySelector("input");
    var count = picker.querySelector("[data-picker-count]");
    var options = picker.querySelectorAll("[data-picker-option]");
    wrap.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      var shown = 0;
      options.forEach(function (option) {
        var text = option.textContent.toLowerCase();
        // A ticked box stays visible, so a filter never hides a choice already made.
        var match = option.querySelector("input").checked ||
          words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match) shown += 1;
      });
      picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
        group.hidden = !group.querySelector("[data-picker-option]:not([hidden])");
      });
      count.textContent = words.length ? shown + (shown === 1 ? " competency" : " competencies") + " shown" : "";
    });
    // Enter in the filter box must not submit the form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }
  document.querySelectorAll("[data-picker]").forEach(setUp);
})();

/* Progressive enhancement for the shared components; every page works without it. */
(function () {
  "use strict";

  // Error summary first, otherwise a message after a redirect: focus moves where the person
  // needs to look, and a screen reader reads it out.
  function focusFirst(root) {
    var summary = root.querySelector("[data-error-summary]");
    var target = summary || root.querySelector(".messages [data-message]");
    if (target) {
      target.focus({ preventScroll: false });
      if (target.scrollIntoView) target.scrollIntoView({ block: "start" });
    }
  }

  // Error summary links: move focus to the field itself (the browser only scrolls).
  function wireSummaryLinks(root) {
    root.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) return;
        event.preventDefault();
        var label = document.querySelector("label[for='" + field.id + "']");
        (label || field).scrollIntoView({ block: "center" });
        field.focus({ preventScroll: true });
      });
    });
  }

  // Stacked tables: each cell carries its column header as a label for narrow screens.
  function labelTables(root) {
    root.querySelectorAll("table.table-stack").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }

  // Character and word counts, GOV.UK style: a live hint under the textarea.
  function countWords(text) {
    var words = text.trim().match(/\S+/g);
    return words ? words.length : 0;
  }
  function wireCounts(root) {
    root.querySelectorAll("textarea[data-maxlength], textarea[data-maxwords]").forEach(function (area) {
      if (area.dataset.counted) return;
      area.dataset.counted = "1";
      var byWords = area.hasAttribute("data-maxwords");
      var limit = parseInt(area.getAttribute(byWords ? "data-maxwords" : "data-maxlength"), 10);
      var unit = byWords ? "word" : "character";
      var hint = document.createElement("div");
      hint.className = "character-count";
      hint.id = area.id + "-count";
      hint.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", hint);
      var described = area.getAttribute("aria-describedby");
      area.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);
      function update() {
        var used = byWords ? countWords(area.value) : area.value.length;
        var left = limit - used;
        var n = Math.abs(left);
        hint.textContent = left >= 0
          ? "You have " + n + " " + unit + (n === 1 ? "" : "s") + " remaining"
          : "You have " + n + " " + unit + (n === 1 ? "" : "s") + " too many";
        hint.classList.toggle("character-count--over", left < 0);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  // "Select all": a labelled checkbox with data-select-all="<name>" ticks or clears every box of
  // that name, and shows "mixed" when only some are ticked. Its wrapper stays hidden without JS.
  function wireSelectAll(root) {
    root.querySelectorAll("input[type=checkbox][data-select-all]").forEach(function (all) {
      if (all.dataset.wired) return;
      all.dataset.wired = "1";
      var boxes = document.querySelectorAll(
        "input[type=checkbox][name='" + all.dataset.selectAll + "']");
      var wrapper = all.closest("[data-select-all-wrapper]");
      if (wrapper) wrapper.hidden = false;
      function sync() {
        var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
        all.checked = ticked > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        sync();
      });
      boxes.forEach(function (b) { b.addEventListener("change", sync); });
      sync();
    });
  }

  function enhance(root) {
    wireSelectAll(root);
    labelTables(root);
    wireCounts(root);
    wireSummaryLinks(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    focusFirst(document);
  });
  // htmx swaps: enhance the new content and focus its error summary if it brought one.
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    var summary = event.target.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });
})();

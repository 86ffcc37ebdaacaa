// "Add another" for Django formsets: clones the <template> of an empty form and
// bumps TOTAL_FORMS. Without JavaScript the page still offers empty rows.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-formset-add]");
  if (!button) return;
  const prefix = button.dataset.formsetAdd;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.getElementById(`${prefix}-empty-form`);
  const index = Number(total.value);
  const html = template.innerHTML.replaceAll("__prefix__", String(index));
  button.insertAdjacentHTML("beforebegin", html);
  total.value = String(index + 1);
  const rows = button.parentElement.querySelectorAll(".link-row");
  rows[rows.length - 1].querySelector("select")?.focus();
});

// The button only works with JavaScript, so it only appears with it.
for (const button of document.querySelectorAll("[data-formset-add]")) button.hidden = false;

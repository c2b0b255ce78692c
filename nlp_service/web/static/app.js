// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Enter in the search box searches; Shift+Enter is a new line (said under the box).
  const box = document.getElementById("q");
  if (box) {
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (box.form.reportValidity()) box.form.requestSubmit();
      }
    });
  }
  // On a narrow screen the filters start folded, unless one is in use.
  const panel = document.querySelector("details.filter-panel");
  if (panel && window.matchMedia("(max-width: 46rem)").matches) {
    const inUse = [...panel.querySelectorAll("input, select")].some(
      (field) => field.value && !(field.name === "sort" && field.value === "relevance"));
    if (!inUse) panel.open = false;
  }
});

// Printing shows every answer whole: folded parts open for the print, and close again after.
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details.rest:not([open])")) {
    details.open = true;
    details.dataset.printOpened = "1";
  }
});
window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("details[data-print-opened]")) {
    details.open = false;
    delete details.dataset.printOpened;
  }
});

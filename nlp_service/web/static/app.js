// Ctrl+Enter (or Cmd+Enter) in the search box submits: Enter alone is a new line in a pasted question.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("q");
  if (!box) return;
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      box.form.requestSubmit();
    }
  });
});

// Forms with data-confirm ask before submitting. Kept out of inline handlers so the CSP can forbid inline script.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
}, true);

// Progressive enhancement only: every page works without this file.
// Moves keyboard focus to the error summary after a form comes back with errors,
// so screen-reader users hear what went wrong first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});

// Small behaviours without inline handlers (the CSP forbids inline script).
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (e) {
  var el = e.target.closest ? e.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { e.preventDefault(); e.stopPropagation(); }
}, true);

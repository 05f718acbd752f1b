// Print pages, confirm dialogs and choices that reload; pages work without this file.
// A page answered to a "Cetak" (a recorded print) opens the print dialog by itself and puts the
// plain receipt address back in the address bar, so a refresh only looks and prints nothing.
(function () {
  var auto = document.querySelector("[data-autoprint]");
  if (auto) {
    if (window.history && history.replaceState) { history.replaceState(null, "", auto.getAttribute("data-autoprint")); }
    window.addEventListener("load", function () { window.print(); });
  }
})();
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) { window.print(); return; }
  var confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) { event.preventDefault(); }
});
// A GET form marked data-autosubmit follows its choice at once (its button stays for no-JS use).
document.addEventListener("change", function (event) {
  var form = event.target.closest && event.target.closest("form[data-autosubmit]");
  if (form && event.target.tagName === "SELECT") { form.submit(); }
});

// The error summary at the top of a form page: take focus (and scroll) when the page opens, and a
// link in it puts the cursor in its field. Pages work without this file (the links still jump).
(function () {
  if (window.geraiForms) { return; }  // included by the summary and by a page: run once
  window.geraiForms = true;
  var summary = document.querySelector(".error-summary");
  if (summary) {
    if (document.activeElement !== summary) { summary.focus(); }
    summary.scrollIntoView({block: "start"});
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-focus]");
      var field = link && document.getElementById(link.getAttribute("data-focus"));
      if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
    });
  }
  // A choice marked data-recalc="<button id>" prices the form again at once (the button stays
  // for use without JavaScript); the stale total's button is disabled meanwhile, never pressed.
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-recalc]");
    if (!select) { return; }
    var button = document.getElementById(select.getAttribute("data-recalc"));
    var form = select.form;
    form.querySelectorAll("button[name=confirm]").forEach(function (b) { b.disabled = true; });
    if (form.requestSubmit && button) { form.requestSubmit(button); } else if (button) { button.click(); }
  });
})();

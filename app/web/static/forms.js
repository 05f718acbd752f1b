// The error summary at the top of a form page: take focus (and scroll) when the page opens, and a
// link in it puts the cursor in its field. Pages work without this file (the links still jump).
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) { return; }
  if (document.activeElement !== summary) { summary.focus(); }
  summary.scrollIntoView({block: "start"});
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-focus]");
    var field = link && document.getElementById(link.getAttribute("data-focus"));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
})();

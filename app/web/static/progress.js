/* Gerai progress component: keeps every [data-progress-url] box (templates/_progress.html) current
   by polling its job's JSON endpoint. Pages work without it; this only saves a refresh. */
(function () {
  "use strict";
  if (window.geraiProgressLoaded) { return; }
  window.geraiProgressLoaded = true;

  function setText(box, selector, text) {
    var el = box.querySelector(selector);
    if (el) { el.textContent = text || ""; }
    return el;
  }

  function update(box, data) {
    setText(box, ".job-status", data.label);
    setText(box, ".job-count", data.count !== undefined ? data.count
      : (data.total ? data.done + " / " + data.total : ""));
    setText(box, ".job-message", data.message);
    var error = setText(box, ".job-error", data.error);
    if (error) { error.hidden = !data.error; }
    var bar = box.querySelector("progress");
    if (bar) {
      if (data.percent === null || data.percent === undefined) {
        if (data.finished) { bar.hidden = true; } else { bar.removeAttribute("value"); }
      } else {
        bar.hidden = false;
        bar.max = 100;
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
      }
    }
    box.setAttribute("data-finished", data.finished ? "true" : "false");
  }

  function watch(box) {
    var url = box.getAttribute("data-progress-url");
    if (!url || box.getAttribute("data-finished") === "true") { return; }
    var refresh = box.querySelector(".job-refresh");
    if (refresh) { refresh.hidden = true; }
    var delay = 1000;
    var failures = 0;

    function poll() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          update(box, data);
          if (data.finished) {
            if (box.getAttribute("data-reload") === "true") { window.location.reload(); }
            return;
          }
          delay = Math.min(delay * 1.25, 5000);
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          failures += 1;
          if (failures > 20) {
            if (refresh) { refresh.hidden = false; }
            return;
          }
          window.setTimeout(poll, Math.min(1000 * Math.pow(2, failures), 30000));
        });
    }
    window.setTimeout(poll, delay);
  }

  function start() {
    var boxes = document.querySelectorAll("[data-progress-url]");
    for (var i = 0; i < boxes.length; i += 1) { watch(boxes[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

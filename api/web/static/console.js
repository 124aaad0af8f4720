// datakatalog console: progressive enhancement only. A live job's page reloads itself when the run
// ends; without this file the page says to reload it, and a reload shows the same thing.
(function () {
  "use strict";
  var live = document.querySelector("[data-live-job]");
  if (!live || !window.fetch) { return; }
  var url = "/api/jobs/" + encodeURIComponent(live.getAttribute("data-live-job"));
  var wait = 2000;
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && !job.live) { window.location.reload(); return; }
        wait = Math.min(wait * 1.5, 15000);  // a long run is asked less and less often
        window.setTimeout(poll, wait);
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  window.setTimeout(poll, wait);
})();

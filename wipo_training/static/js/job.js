// The page of a batch job follows it: every two seconds the page is fetched again and its
// #job part replaced (status, progress, then the Download link or the failure), until the job
// has ended. Not a meta refresh: a page that reloads itself sends a screen reader to its top.
(function () {
  'use strict';
  var job = document.getElementById('job');
  if (!job || !job.dataset.poll) return;
  function poll() {
    fetch(window.location.href, {credentials: 'same-origin'})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('job');
        if (!fresh) return;
        // Only what changed: the same status again would be read out again (aria-live).
        if (fresh.innerHTML !== job.innerHTML) job.innerHTML = fresh.innerHTML;
        if (fresh.dataset.poll) window.setTimeout(poll, Number(fresh.dataset.poll));
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, Number(job.dataset.poll));
})();

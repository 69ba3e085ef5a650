// A post's page while matching runs: asks the post's status now and then, and reloads the page (to show
// its matches) once matching is done. Without it the page says to reload.
(function () {
  var el = document.querySelector('[data-status-url]');
  if (!el || !window.fetch) return;
  var url = el.getAttribute('data-status-url');
  var said = el.textContent;
  var delay = 1000;
  var waited = 0;
  el.textContent = 'Matching is running for this version; this page updates itself when it is done.';
  function giveUp() {
    el.textContent = said;
  }
  function later() {
    // Matching takes seconds; after five minutes of nothing, leave it to the reader.
    if (waited > 300000) return giveUp();
    waited += delay;
    setTimeout(check, delay);
    delay = Math.min(Math.round(delay * 1.5), 10000);
  }
  function check() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        // Signed out, or the post is gone: nothing to wait for.
        if (r.status === 401 || r.status === 403 || r.status === 404) return giveUp();
        if (!r.ok) return later();
        return r.json().then(function (status) {
          if (status.matchedAt) window.location.reload();
          else later();
        });
      })
      .catch(later);
  }
  later();
})();

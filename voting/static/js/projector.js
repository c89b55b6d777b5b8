// Projector view: reload when a new result is published (without JavaScript, the page
// refreshes itself every 20 seconds instead). Polls a small JSON document every 5 seconds.
(function () {
  var url = document.body.getAttribute("data-state-url");
  if (!url || !window.fetch) { return; }
  var known = null;
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        var now = JSON.stringify(state.published);
        if (known !== null && now !== known) { window.location.reload(); }
        known = now;
      })
      .catch(function () { /* the meeting goes on; try again next time */ })
      .then(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();

// Projector view: when a vote closes, is cancelled or a result is published, the page updates in place
// (without JavaScript, it refreshes itself every 20 seconds instead). Polls a small JSON
// document every 5 seconds; on a change it fetches the page and swaps in its <main>, and
// says so in the live region for screen readers.
(function () {
  var url = document.body.getAttribute("data-state-url");
  var status = document.getElementById("projector-status");
  if (!url || !window.fetch || !window.DOMParser) { return; }
  var known = null;
  function update() {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var main = document.getElementById("main");
        if (!fresh || !main) { throw new Error("no main"); }
        main.innerHTML = fresh.innerHTML;
        if (status) { status.textContent = status.getAttribute("data-updated"); }
      });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        var now = JSON.stringify([state.closed, state.published, state.cancelled]);
        if (known !== null && now !== known) {
          return update().then(function () { known = now; });
        }
        known = now;
      })
      .catch(function () { /* the meeting goes on; try again next time */ })
      .then(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();

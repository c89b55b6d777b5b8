// Q&A live mode on the projector: polls the state every 5 seconds and updates the page
// without a reload (without JavaScript, the page refreshes itself every 15 seconds).
// Everything from the server is put into the page as text (textContent), never as markup.
(function () {
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  if (!url || !window.fetch) { return; }
  var current = document.getElementById("live-current");
  var top = document.getElementById("live-top");
  var empty = document.getElementById("live-top-empty");
  var known = null;

  function label(name) {
    return body.getAttribute("data-label-" + name) || "";
  }

  function votes(count) {
    return count === 1 ? label("votes-one") : count + " " + label("votes-many");
  }

  function paragraph(className, text, auto) {
    var p = document.createElement("p");
    p.className = className;
    if (auto) { p.setAttribute("dir", "auto"); }
    p.textContent = text;
    return p;
  }

  function addressee(item) {
    return item.to_all ? label("to-all") : label("to") + " " + item.to;
  }

  function render(state) {
    current.replaceChildren();
    if (state.current) {
      current.appendChild(paragraph("qa-live-to", addressee(state.current), false));
      current.appendChild(paragraph("qa-live-text", state.current.text, true));
      var meta = votes(state.current.votes) + (state.current.asker ? " · " + state.current.asker : "");
      current.appendChild(paragraph("qa-live-meta", meta, false));
    } else {
      current.appendChild(paragraph("qa-live-empty", label("none"), false));
    }
    top.replaceChildren();
    state.top.forEach(function (item) {
      var li = document.createElement("li");
      li.appendChild(paragraph("qa-live-to", addressee(item) + " · " + votes(item.votes), false));
      li.appendChild(paragraph("qa-live-text", item.text, true));
      top.appendChild(li);
    });
    empty.hidden = state.top.length > 0;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        var text = JSON.stringify(state);
        if (text !== known) { render(state); known = text; }
      })
      .catch(function () { /* the meeting goes on; try again next time */ })
      .then(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();

// Refreshes the order's status box until the saga settles (the page works without this: <noscript> refresh).
(function () {
  "use strict";
  var INTERVAL_MS = 1500;
  var MAX_POLLS = 400; // ten minutes; then a reload shows the latest state

  function schedule(polls) {
    var box = document.getElementById("order-status");
    if (!box || !box.dataset.refreshUrl) return;
    if (polls >= MAX_POLLS) return;
    window.setTimeout(function () {
      fetch(box.dataset.refreshUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.redirected) { // the session ended: let the page itself go to sign-in
            window.location.reload();
            throw new Error("redirected");
          }
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          if (!fresh || fresh.id !== "order-status") return; // not the status box: keep the old one, stop
          box.replaceWith(fresh);
          schedule(polls + 1);
        })
        .catch(function () { schedule(polls + 1); });
    }, INTERVAL_MS);
  }

  schedule(0);
})();

// Self-assessment pages: show a readable message in the item when a request fails
// (network down, session expired, server error) instead of failing silently.
// The (translated) texts come from the data attributes of #self-i18n.
(function () {
  function text(key, fallback) {
    var el = document.getElementById("self-i18n");
    return (el && el.getAttribute("data-" + key)) || fallback;
  }
  function showError(evt, message) {
    var target = evt.detail && evt.detail.target;
    if (!target || !target.querySelector) { return; }
    var box = target.querySelector(".row-msg.net");
    if (!box) {
      box = document.createElement("div");
      box.className = "row-msg error net";
      box.setAttribute("role", "alert");
      (target.querySelector("td.name") || target).appendChild(box);
    }
    box.textContent = message;
  }
  document.body.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    var key = status === 403 ? "forbidden" : status === 404 ? "notfound" : "server";
    showError(evt, text(key, "Error " + status));
  });
  document.body.addEventListener("htmx:sendError", function (evt) {
    showError(evt, text("network", "Network error"));
  });
  // A ratio item has two count inputs (done / total): save when both are typed (or both
  // emptied), not when the first loses focus on the way to the second. Captured here, before
  // the input's own htmx trigger sees the change.
  document.addEventListener("change", function (evt) {
    var box = evt.target.closest && evt.target.closest(".ratio-input");
    if (!box) { return; }
    var filled = 0;
    box.querySelectorAll("input").forEach(function (input) {
      if (input.value.trim() !== "") { filled += 1; }
    });
    if (filled === 1) { evt.stopPropagation(); }
  }, true);
})();

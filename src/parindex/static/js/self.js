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
})();

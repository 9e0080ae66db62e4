// Kept out of the page so that a Content-Security-Policy without inline scripts allows it.
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: node.dataset.specUrl, dom_id: "#swagger-ui" });
});

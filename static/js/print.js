// A "Print" button (data-print) on a printable page: the browser's own Print dialog.
// A script file, not an inline handler: the Content-Security-Policy refuses those.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});

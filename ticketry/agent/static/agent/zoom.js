// The print view's print button; without JavaScript it stays hidden and the browser prints.
"use strict";

function enablePrintButtons() {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}
document.addEventListener("DOMContentLoaded", enablePrintButtons);

// Small behaviours that plain HTML lacks; every page works without them.
"use strict";

// Keep the main menu open on wide screens, where it is not a menu but a bar.
function openMenuOnWideScreens() {
  const menu = document.querySelector(".mainnav-menu");
  if (menu && window.matchMedia("(min-width: 60.01rem)").matches) {
    menu.open = true;
  }
}
document.addEventListener("DOMContentLoaded", openMenuOnWideScreens);

// "/" jumps to the quick search from anywhere but a text field, as on many sites.
function isTyping(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  if (isTyping(event.target)) {
    return;
  }
  const search = document.getElementById("quicksearch-q");
  if (search) {
    event.preventDefault();
    search.focus();
  }
});

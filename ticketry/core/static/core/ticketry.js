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

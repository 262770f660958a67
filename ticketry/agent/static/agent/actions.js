// Ticket actions and new tickets: choosing a suggestion, focus for forms loaded in place.
// Every form works without this file; it only saves typing and keeps keyboard focus sensible.
"use strict";

// A suggestion (customer user, ticket to merge into) fills the form fields named in its
// data-fill, e.g. {"customer_user": "jdoe", "customer_id": "acme"}.
function fillFromSuggestion(event) {
  const choice = event.target.closest("[data-fill]");
  if (!choice) {
    return;
  }
  const form = choice.closest("form");
  if (!form) {
    return;
  }
  const values = JSON.parse(choice.dataset.fill);
  let first = null;
  for (const [name, value] of Object.entries(values)) {
    const field = form.elements.namedItem(name);
    if (field) {
      field.value = value;
      first = first || field;
    }
  }
  const list = choice.closest(".suggestions");
  if (list) {
    list.replaceChildren();
  }
  if (first) {
    first.focus();
  }
}

// Escape in a suggestion list closes it and returns to the input it belongs to.
function closeSuggestions(event) {
  if (event.key !== "Escape") {
    return;
  }
  const list = event.target.closest(".suggestions");
  if (!list || !list.hasChildNodes()) {
    return;
  }
  list.replaceChildren();
  const input = document.querySelector(`[aria-controls="${list.id}"]`);
  if (input) {
    input.focus();
  }
}

// An action form loaded into the zoom's action region takes the focus, so keyboard and
// screen reader users land on it.
function focusLoadedForm(event) {
  const target = event.detail.target;
  if (!target || target.id !== "action-region") {
    return;
  }
  const heading = target.querySelector("h2");
  if (heading) {
    heading.focus();
  }
}

// The zoom's action menus behave like menus: one open at a time, closed by choosing an
// entry, by a click elsewhere or by Escape. Without this file they open and close by hand.
function closeActionMenus(except) {
  for (const menu of document.querySelectorAll("details.action-menu[open]")) {
    if (menu !== except) {
      menu.open = false;
    }
  }
}

function followActionMenus(event) {
  const menu = event.target.closest("details.action-menu");
  const entry = event.target.closest(".action-menu-items a, .action-menu-items button");
  closeActionMenus(entry ? null : menu);
}

function escapeActionMenus(event) {
  if (event.key !== "Escape") {
    return;
  }
  const menu = event.target.closest("details.action-menu[open]");
  closeActionMenus(null);
  if (menu) {
    menu.querySelector("summary").focus();
  }
}

document.addEventListener("click", followActionMenus);
document.addEventListener("keydown", escapeActionMenus);
document.addEventListener("click", fillFromSuggestion);
document.addEventListener("keydown", closeSuggestions);
document.addEventListener("htmx:afterSwap", focusLoadedForm);

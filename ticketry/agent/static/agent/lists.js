// Ticket lists: a select-all checkbox per list. Without JavaScript it stays hidden and each
// ticket is ticked on its own.
"use strict";

function showSelectAll(root) {
  root.querySelectorAll("input.select-all").forEach((box) => {
    box.hidden = false;
  });
}

function syncSelectAll(form) {
  const selectAll = form.querySelector("input.select-all");
  if (!selectAll) {
    return;
  }
  const items = Array.from(form.querySelectorAll('input[name="ticket_ids"]'));
  const checked = items.filter((item) => item.checked).length;
  selectAll.checked = items.length > 0 && checked === items.length;
  selectAll.indeterminate = checked > 0 && checked < items.length;
}

document.addEventListener("DOMContentLoaded", () => showSelectAll(document));
document.addEventListener("htmx:load", (event) => showSelectAll(event.target));
document.addEventListener("change", (event) => {
  const box = event.target;
  const form = box.closest && box.closest("form");
  if (!form) {
    return;
  }
  if (box.matches("input.select-all")) {
    form.querySelectorAll('input[name="ticket_ids"]').forEach((item) => {
      item.checked = box.checked;
    });
  } else if (box.matches('input[name="ticket_ids"]')) {
    syncSelectAll(form);
  }
});

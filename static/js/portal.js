// Behaviour of the portal's pages, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts. A <select data-autosubmit> submits its form when changed (the institution
// switcher, the unit filter); without JavaScript a <noscript> button does the same.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});

/* What every manager and admin page shares: selects that submit their form
   when changed (the office switch, report filters marked data-autosubmit). */
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});

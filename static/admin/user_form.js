/* The user form: a supervisor's offices are ticked, every other role has
   one office; only the field that applies to the chosen role is shown.
   Without this script both are shown and the server reads the right one. */
"use strict";
(() => {
  const role = document.getElementById("role");
  const office = document.getElementById("office");
  const offices = document.querySelector(".supervised-offices");
  if (!role || !office || !offices) {
    return;
  }
  const single = office.closest(".field");
  const show = () => {
    const isSupervisor = role.value === "supervisor";
    single.hidden = isSupervisor;
    offices.hidden = !isSupervisor;
  };
  role.addEventListener("change", show);
  show();
})();

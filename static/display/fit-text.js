/*
 * LuotFitText.fit: text an office writes (a service's name) at the largest
 * size that fits its box.
 *
 * CSS gives each node its largest size (font-size) and its smallest
 * (--fit-min, a registered <length>, so it reads in px) and limits its lines;
 * CSS cannot tell how long the text is, so this steps the size down until
 * nothing is cut off. At the smallest size a name too long still ends in an
 * ellipsis inside its box.
 */
(function (global) {
  "use strict";

  const STEP_PX = 1;

  function overflows(node) {
    return node.scrollHeight > node.clientHeight || node.scrollWidth > node.clientWidth;
  }

  function fitOne(node) {
    node.style.removeProperty("font-size");
    const style = getComputedStyle(node);
    const smallest = parseFloat(style.getPropertyValue("--fit-min")) || 0;
    let size = parseFloat(style.fontSize);
    while (overflows(node) && size - STEP_PX >= smallest) {
      size -= STEP_PX;
      node.style.fontSize = size + "px";
    }
  }

  function fit(nodes) {
    for (const node of nodes) fitOne(node);
  }

  global.LuotFitText = { fit: fit };
})(window);

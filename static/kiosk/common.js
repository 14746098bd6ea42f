/*
 * LuotCitizen: what the kiosk and the ticket page share.
 *
 * Every text shown here comes translated from the server (in the page's
 * JSON data block), with {name} where a value goes; nothing on screen is
 * written in this file.
 *
 * Plain ES2017, no build step; needs common/luot.js loaded first.
 */
(function (global) {
  "use strict";

  const format = global.Luot.format;

  /**
   * The estimated wait in whole minutes, rounded up as on the printed
   * ticket, so that paper and screen never disagree. No estimate (null)
   * means that no open counter can call the ticket now.
   */
  function waitText(seconds, texts) {
    if (seconds === null || seconds === undefined) return texts.wait_unknown;
    if (seconds < 60) return texts.wait_under_one_minute;
    const minutes = Math.ceil(seconds / 60);
    if (minutes === 1) return texts.wait_one_minute;
    return format(texts.wait_minutes, { minutes: minutes });
  }

  function aheadText(position, texts) {
    return format(texts.ahead, { count: position || 0 });
  }

  /** The ticket's service name in the page's language. */
  function serviceName(ticket, language) {
    return language === "en" && ticket.service_name_en ? ticket.service_name_en : ticket.service_name;
  }

  /** "Ưu tiên: Người cao tuổi", or "" for no priority. */
  function priorityText(priority, texts) {
    if (!priority || priority === "none") return "";
    const group = texts.priorities[priority];
    return group ? format(texts.priority, { group: group }) : "";
  }

  /**
   * A fresh random UUID for an Idempotency-Key. crypto.randomUUID exists
   * only on https and localhost pages, and a kiosk on the office network
   * usually loads the app over plain http, so it is built from
   * crypto.getRandomValues, which every context has.
   */
  function newIdempotencyKey() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") {
      return global.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join(
      "-"
    );
  }

  global.LuotCitizen = {
    waitText,
    aheadText,
    serviceName,
    priorityText,
    newIdempotencyKey,
  };
})(window);

/*
 * OfficeClock: the office's wall clock, right even when this PC's is not.
 *
 * A display PC's clock may be minutes off and set to any timezone. Every
 * queue state carries the server's time as ISO 8601 with the office's UTC
 * offset (e.g. "2026-11-23T09:00:00.120000+07:00"); sync() keeps the
 * difference to this PC's clock and that offset, and the clock reads the
 * office's time from them. Used by the waiting-room display and the
 * counter pages.
 */
(function (global) {
  "use strict";

  const OFFSET = /([+-])(\d\d):(\d\d)$/;

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  class OfficeClock {
    /** @param {string} [serverIso] the server's time when the page was made */
    constructor(serverIso) {
      this.skewMs = 0;
      this.officeOffsetMs = 0;
      if (serverIso) this.sync(serverIso);
    }

    /** Take the server's time and the office's UTC offset from an ISO time it sent. */
    sync(serverIso) {
      const serverMs = Date.parse(serverIso);
      if (!Number.isFinite(serverMs)) return;
      this.skewMs = serverMs - Date.now();
      const match = OFFSET.exec(serverIso);
      this.officeOffsetMs = match
        ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60000
        : 0;
    }

    /** Milliseconds since the epoch by the server's clock. */
    now() {
      return Date.now() + this.skewMs;
    }

    /** Seconds from an ISO time of the server until now (never negative). */
    secondsSince(serverIso) {
      const then = Date.parse(serverIso);
      return Number.isFinite(then) ? Math.max(0, (this.now() - then) / 1000) : 0;
    }

    /** A Date whose UTC fields read the office's wall time. */
    _wall() {
      return new Date(this.now() + this.officeOffsetMs);
    }

    /** "09:05" */
    time() {
      const wall = this._wall();
      return pad(wall.getUTCHours()) + ":" + pad(wall.getUTCMinutes());
    }

    /** "Thứ Hai, 23/11/2026"; weekdays are the page's names, Monday first. */
    date(weekdays) {
      const wall = this._wall();
      const weekday = weekdays[(wall.getUTCDay() + 6) % 7];
      return (
        weekday + ", " + pad(wall.getUTCDate()) + "/" + pad(wall.getUTCMonth() + 1) + "/" +
        wall.getUTCFullYear()
      );
    }

    /** 75 -> "01:15", 3725 -> "1:02:05" */
    static duration(seconds) {
      const whole = Math.max(0, Math.floor(seconds));
      const hours = Math.floor(whole / 3600);
      const rest = pad(Math.floor((whole % 3600) / 60)) + ":" + pad(whole % 60);
      return hours > 0 ? hours + ":" + rest : rest;
    }
  }

  global.OfficeClock = OfficeClock;
})(window);

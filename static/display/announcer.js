/*
 * LuotAnnouncer: plays waiting-room calls, one clip after another.
 *
 * A call is a list of clip URLs (the server builds it with
 * voice.announcement_clips and voice.clips.clip_url), or a promise of one
 * (the display asks the server for each call's list as the call arrives).
 * Calls are played in the order they arrive and never overlap: a call that
 * arrives while another is playing waits in a FIFO queue, however many arrive
 * at once, and a call whose list is still being fetched keeps its place. A
 * call whose list cannot be had is dropped; a clip that fails to load or play
 * is skipped, and a clip that neither ends nor fails is abandoned after a
 * timeout, so one bad file never stalls the loudspeaker.
 *
 *   const announcer = new LuotAnnouncer();
 *   announcer.announce(["/static/voice/chime.mp3", "/static/voice/vi/digit_1.mp3"]);
 *   announcer.announce(fetch(url).then((response) => response.json()).then((body) => body.clips));
 *
 * Hooks, for the display page and for tests: set the callbacks
 * onclipstart(url), onclipend(url, outcome) where outcome is "ended", "error"
 * or "timeout", onannouncementstart(urls), onannouncementend(urls) and
 * onannouncementfailed(error) for a call whose list could not be had; the
 * same moments are dispatched on window as CustomEvents "luot-announcer:clipstart"
 * and so on, with the arguments in event.detail. `queuedCount` is the number
 * of calls waiting behind the one playing; `isPlaying` says whether one is.
 *
 * Plain ES2017, no dependencies, no build step.
 */
(function (global) {
  "use strict";

  class LuotAnnouncer {
    /**
     * @param {object} [options]
     * @param {number} [options.clipTimeoutMs] longest wait for a clip whose length is unknown
     * @param {number} [options.pauseBetweenMs] silence between two calls
     * @param {number} [options.volume] 0..1
     */
    constructor(options = {}) {
      this.clipTimeoutMs = options.clipTimeoutMs || 10000;
      this.pauseBetweenMs = options.pauseBetweenMs === undefined ? 600 : options.pauseBetweenMs;
      this.volume = options.volume === undefined ? 1 : options.volume;
      this.onclipstart = null;
      this.onclipend = null;
      this.onannouncementstart = null;
      this.onannouncementend = null;
      this.onannouncementfailed = null;
      this._queue = [];
      this._audioByUrl = new Map();
      this._isPlaying = false;
    }

    /** Number of calls waiting behind the one being played. */
    get queuedCount() {
      return this._queue.length;
    }

    get isPlaying() {
      return this._isPlaying;
    }

    /** Start loading clips now, so that the first call is not delayed by the network. */
    preload(urls) {
      for (const url of urls) this._audioFor(url);
    }

    /**
     * Queue one call: a list of URLs or a promise of one. The promise returned
     * resolves once the call has been played (or dropped by clear(), or
     * because its list could not be had), with true if played, else false.
     */
    announce(urls) {
      return new Promise((resolve) => {
        const pending = typeof urls.then === "function" ? urls : Array.from(urls);
        this._queue.push({ urls: pending, resolve });
        this._playQueue();
      });
    }

    /** Drop the calls still waiting, e.g. when the display re-syncs after a reconnect. */
    clear() {
      for (const call of this._queue.splice(0)) call.resolve(false);
    }

    async _playQueue() {
      if (this._isPlaying) return;
      this._isPlaying = true;
      try {
        while (this._queue.length > 0) {
          const call = this._queue.shift();
          let urls = call.urls;
          if (typeof urls.then === "function") {
            try {
              urls = Array.from(await urls);
            } catch (error) {
              this._emit("announcementfailed", String(error));
              call.resolve(false);
              continue;
            }
          }
          this._emit("announcementstart", urls);
          for (const url of urls) {
            this._emit("clipstart", url);
            const outcome = await this._playClip(url);
            this._emit("clipend", url, outcome);
          }
          this._emit("announcementend", urls);
          call.resolve(true);
          if (this._queue.length > 0 && this.pauseBetweenMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, this.pauseBetweenMs));
          }
        }
      } finally {
        this._isPlaying = false;
      }
    }

    _audioFor(url) {
      let audio = this._audioByUrl.get(url);
      if (!audio) {
        audio = new Audio();
        audio.preload = "auto";
        audio.src = url;
        this._audioByUrl.set(url, audio);
      }
      return audio;
    }

    /** Resolves with "ended", "error" or "timeout"; never rejects. */
    _playClip(url) {
      const audio = this._audioFor(url);
      return new Promise((resolve) => {
        let timer = null;
        let isSettled = false;
        const finish = (outcome) => {
          // play() may reject after an error event already settled this clip.
          if (isSettled) return;
          isSettled = true;
          clearTimeout(timer);
          audio.removeEventListener("ended", onEnded);
          audio.removeEventListener("error", onError);
          if (outcome !== "ended") {
            audio.pause();
            // A cached element that failed stays failed: load the file afresh next time.
            this._audioByUrl.delete(url);
          }
          resolve(outcome);
        };
        const onEnded = () => finish("ended");
        const onError = () => finish("error");
        audio.addEventListener("ended", onEnded);
        audio.addEventListener("error", onError);
        // Trust the clip's own length when known, with a margin for a slow start.
        const timeoutMs = Number.isFinite(audio.duration)
          ? audio.duration * 1000 + 3000
          : this.clipTimeoutMs;
        timer = setTimeout(() => finish("timeout"), timeoutMs);
        if (audio.error) {
          finish("error");
          return;
        }
        audio.volume = this.volume;
        try {
          audio.currentTime = 0;
        } catch (ignored) {
          // Not seekable before its metadata is loaded; it starts at 0 anyway.
        }
        // play() rejects when the browser refuses to play (autoplay policy, bad file).
        Promise.resolve(audio.play()).catch(() => finish("error"));
      });
    }

    _emit(name, ...args) {
      const callback = this["on" + name];
      try {
        if (typeof callback === "function") callback.apply(this, args);
      } catch (error) {
        // A failing hook must not silence the loudspeaker.
        console.error(error);
      }
      if (typeof global.dispatchEvent === "function" && typeof CustomEvent === "function") {
        global.dispatchEvent(new CustomEvent("luot-announcer:" + name, { detail: args }));
      }
    }
  }

  global.LuotAnnouncer = LuotAnnouncer;
})(window);

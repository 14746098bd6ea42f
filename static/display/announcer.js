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
 * onclipstart(url), onclipend(url, outcome) where outcome is "ended", "error",
 * "timeout" or "blocked" (see below), onannouncementstart(urls), onannouncementend(urls) and
 * onannouncementfailed(error) for a call whose list could not be had; the
 * same moments are dispatched on window as CustomEvents "luot-announcer:clipstart"
 * and so on, with the arguments in event.detail. `queuedCount` is the number
 * of calls waiting behind the one playing; `isPlaying` says whether one is.
 *
 * A call may also be spoken by the device's own speech voice (Web Speech
 * API): instead of a list of URLs, give an object (or a promise of one)
 *
 *   {parts: [{clips: [chime]},
 *            {speak: {text: "Mời công dân …", voice: "Linh"}, clips: [fallback urls]}]}
 *
 * Parts play in order. A spoken part whose voice the device no longer has,
 * or whose speech fails or never ends, plays its clips instead; speech and
 * clips share the one queue, so they never overlap either. Hooks
 * onspeechstart(text, voiceName) and onspeechend(text, outcome), outcome
 * "ended", "error", "timeout" or "missing" (no such voice).
 *
 * Autoplay: a browser that refuses to play sound before someone touches
 * the page makes play() reject with NotAllowedError. The announcer then
 * holds the call at the refused clip, fires onblocked(), and keeps the
 * calls arriving meanwhile (the newest MAX_HELD_CALLS). unlock(url), called
 * from a tap or key handler, plays url (a chime) inside that gesture; once
 * it has played, onunlocked() fires and the held call goes on from the
 * refused clip. `isBlocked` says whether sound is refused now. A call
 * announced with {isTest: true} (a loudspeaker test) is dropped rather
 * than held, since the unlocking chime already is the test.
 *
 * Plain ES2017, no dependencies, no build step.
 */
(function (global) {
  "use strict";

  /** Calls kept while the browser refuses sound; older ones are dropped. */
  const MAX_HELD_CALLS = 3;

  const isThenable = (value) => value && typeof value.then === "function";

  /** A call's parts, from a list of URLs or a {parts: [...]} object. */
  function partsOf(call) {
    if (Array.isArray(call)) return [{ clips: call }];
    if (call && Array.isArray(call.parts)) return call.parts;
    return [{ clips: Array.from(call) }];
  }

  class LuotAnnouncer {
    /**
     * @param {object} [options]
     * @param {number} [options.clipTimeoutMs] longest wait for a clip whose length is unknown
     * @param {number} [options.pauseBetweenMs] silence between two calls
     * @param {number} [options.volume] 0..1
     * @param {SpeechSynthesis} [options.speech] the speech engine (window.speechSynthesis)
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
      this.onspeechstart = null;
      this.onspeechend = null;
      this.onblocked = null;
      this.onunlocked = null;
      this.speech = options.speech === undefined ? global.speechSynthesis || null : options.speech;
      this._queue = [];
      this._audioByUrl = new Map();
      this._isPlaying = false;
      this._isBlocked = false;
      this._unlocked = null;
      this._release = null;
    }

    /** Whether the browser refuses to play sound until someone touches the page. */
    get isBlocked() {
      return this._isBlocked;
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
    announce(urls, options = {}) {
      return new Promise((resolve) => {
        const pending = isThenable(urls) ? urls : partsOf(urls);
        this._queue.push({ urls: pending, resolve, isTest: Boolean(options.isTest) });
        while (this._isBlocked && this._queue.length > MAX_HELD_CALLS) {
          this._queue.shift().resolve(false);
        }
        this._playQueue();
      });
    }

    /**
     * Call from a tap, click or key handler while isBlocked: plays url (the
     * chime) inside the gesture, which lets the page play sound from then on.
     * Resolves true once it has played and the held call goes on, false if
     * the browser still refuses.
     */
    async unlock(url) {
      if (!this._isBlocked) return true;
      this._emit("clipstart", url);
      // _playClip calls play() before its first await: still inside the gesture.
      const outcome = await this._playClip(url);
      this._emit("clipend", url, outcome);
      if (outcome === "blocked") return false;
      this._isBlocked = false;
      const release = this._release;
      this._release = null;
      this._unlocked = null;
      this._emit("unlocked");
      if (release) release();
      return true;
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
          let parts = call.urls;
          if (isThenable(parts)) {
            try {
              parts = partsOf(await parts);
            } catch (error) {
              this._emit("announcementfailed", String(error));
              call.resolve(false);
              continue;
            }
          }
          const urls = parts.flatMap((part) => (part.speak ? [] : part.clips || []));
          this._emit("announcementstart", urls);
          let isDropped = false;
          for (const part of parts) {
            const isSpoken = part.speak ? await this._speak(part.speak) : false;
            if (!isSpoken && !(await this._playClips(part.clips || [], call))) {
              isDropped = true;
              break;
            }
          }
          this._emit("announcementend", urls);
          call.resolve(!isDropped);
          if (this._queue.length > 0 && this.pauseBetweenMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, this.pauseBetweenMs));
          }
        }
      } finally {
        this._isPlaying = false;
      }
    }

    /** Plays the clips in order; false when the call is dropped (a test, blocked). */
    async _playClips(urls, call) {
      for (const url of urls) {
        this._emit("clipstart", url);
        let outcome = await this._playClip(url);
        while (outcome === "blocked") {
          this._emit("clipend", url, outcome);
          this._block();
          if (call.isTest) return false;
          await this._unlocked;
          this._emit("clipstart", url);
          outcome = await this._playClip(url);
        }
        this._emit("clipend", url, outcome);
      }
      return true;
    }

    _block() {
      if (this._isBlocked) return;
      this._isBlocked = true;
      this._unlocked = new Promise((resolve) => {
        this._release = resolve;
      });
      this._emit("blocked");
    }

    /** The speech engine's voice of that name, or null. */
    _voiceNamed(name) {
      if (!this.speech || typeof global.SpeechSynthesisUtterance !== "function") return null;
      const voices = this.speech.getVoices() || [];
      return voices.find((voice) => voice.name === name) || null;
    }

    /** Speaks a part; resolves true when spoken to its end, else false (play its clips). */
    _speak(spoken) {
      const voice = this._voiceNamed(spoken.voice);
      this._emit("speechstart", spoken.text, spoken.voice);
      if (!voice) {
        this._emit("speechend", spoken.text, "missing");
        return Promise.resolve(false);
      }
      return new Promise((resolve) => {
        let isSettled = false;
        const utterance = new global.SpeechSynthesisUtterance(spoken.text);
        const finish = (outcome) => {
          if (isSettled) return;
          isSettled = true;
          clearTimeout(timer);
          if (outcome === "timeout") this.speech.cancel();
          this._emit("speechend", spoken.text, outcome);
          resolve(outcome === "ended");
        };
        // A generous bound: about 6 characters a second, plus a slow start.
        const timer = setTimeout(
          () => finish("timeout"),
          Math.max(this.clipTimeoutMs, spoken.text.length * 170 + 5000)
        );
        utterance.voice = voice;
        utterance.lang = voice.lang;
        utterance.volume = this.volume;
        utterance.onend = () => finish("ended");
        utterance.onerror = () => finish("error");
        try {
          this.speech.speak(utterance);
        } catch (error) {
          finish("error");
        }
      });
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

    /** Resolves with "ended", "error", "timeout" or "blocked"; never rejects. */
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
            if (outcome !== "blocked") this._audioByUrl.delete(url);
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
        // play() rejects when the browser refuses to play (autoplay policy:
        // NotAllowedError, the call is held) or cannot (a bad file).
        Promise.resolve(audio.play()).catch((error) =>
          finish(error && error.name === "NotAllowedError" ? "blocked" : "error")
        );
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

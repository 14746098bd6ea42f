/* The voice page: record each clip from the microphone (or take a file),
   convert it to a 16-bit mono WAV at 22.05 kHz and send it to the server,
   which trims the silences and evens the loudness (voice/recording.py) and
   keeps it as a draft. Also plays a whole call as it will sound.

   The microphone is read without echo cancellation, noise suppression or
   automatic gain: those would change the voice between takes, and the
   server evens the level itself. Recording needs a secure page (HTTPS, or
   the server's own machine); choosing a file works everywhere. */
"use strict";
(() => {
  const config = Luot.readData("voice-config");
  const texts = config.texts;
  const RATE = 22050;
  const format = Luot.format;
  const canRecord = Boolean(
    window.isSecureContext && navigator.mediaDevices && window.MediaRecorder,
  );

  /** Any audio the browser can decode -> WAV bytes, mono 16-bit at RATE. */
  async function toWav(encoded) {
    const decoder = new OfflineAudioContext(1, 1, RATE);
    const buffer = await decoder.decodeAudioData(encoded);
    const mono = new Float32Array(buffer.length);
    for (let channel = 0; channel < buffer.numberOfChannels; channel += 1) {
      const samples = buffer.getChannelData(channel);
      for (let i = 0; i < samples.length; i += 1) mono[i] += samples[i] / buffer.numberOfChannels;
    }
    const bytes = new ArrayBuffer(44 + mono.length * 2);
    const view = new DataView(bytes);
    const ascii = (offset, text) => {
      for (let i = 0; i < text.length; i += 1) view.setUint8(offset + i, text.charCodeAt(i));
    };
    ascii(0, "RIFF");
    view.setUint32(4, 36 + mono.length * 2, true);
    ascii(8, "WAVE");
    ascii(12, "fmt ");
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, buffer.sampleRate, true);
    view.setUint32(28, buffer.sampleRate * 2, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    ascii(36, "data");
    view.setUint32(40, mono.length * 2, true);
    for (let i = 0; i < mono.length; i += 1) {
      const sample = Math.max(-1, Math.min(1, mono[i]));
      view.setInt16(44 + i * 2, sample < 0 ? sample * 32768 : sample * 32767, true);
    }
    return new Blob([bytes], { type: "audio/wav" });
  }

  function message(row, text, isError) {
    const place = row.querySelector(".voice-message");
    place.textContent = text;
    place.classList.toggle("is-error", Boolean(isError));
  }

  async function upload(row, encoded) {
    message(row, texts.saving);
    row.dataset.saving = "true";
    try {
      const wav = await toWav(encoded);
      if (wav.size > config.maxBytes) throw new Error(texts.tooLong);
      const query = new URLSearchParams({ clip: row.dataset.clip });
      const separator = config.uploadUrl.includes("?") ? "&" : "?";
      const response = await fetch(config.uploadUrl + separator + query, {
        method: "POST",
        headers: {
          "Content-Type": "audio/wav",
          Accept: "application/json",
          "X-CSRFToken": config.csrfToken,
        },
        body: wav,
        credentials: "same-origin",
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ? body.error.message : response.status);
      showDraft(row, body);
      message(row, format(texts.saved, { seconds: (body.duration_ms / 1000).toFixed(2) }));
    } catch (error) {
      message(row, format(texts.failed, { reason: error.message || error }), true);
    } finally {
      delete row.dataset.saving;
    }
  }

  function showDraft(row, body) {
    row.dataset.stage = "draft";
    row.dataset.durationMs = String(body.duration_ms);
    const state = row.querySelector(".voice-state");
    state.querySelector(".state-none")?.remove();
    let audio = state.querySelector(".draft-audio");
    if (!audio) {
      const label = document.createElement("span");
      label.className = "state state-draft";
      label.textContent = texts.draft;
      audio = document.createElement("audio");
      audio.className = "draft-audio";
      audio.controls = true;
      audio.preload = "none";
      audio.setAttribute("aria-label", texts.draft);
      state.insertBefore(audio, state.querySelector(".voice-message"));
      state.insertBefore(label, audio);
    }
    audio.src = body.url;
    document.getElementById("voice-publish").disabled = false;
  }

  let recording = null;

  async function startRecording(row, button) {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      message(row, format(texts.microphoneRefused, { reason: error.message || error }), true);
      return;
    }
    const recorder = new MediaRecorder(stream);
    const parts = [];
    recorder.addEventListener("dataavailable", (event) => parts.push(event.data));
    const startedAt = performance.now();
    const timer = setInterval(() => {
      row.dataset.recordingMs = String(Math.round(performance.now() - startedAt));
      message(row, ((performance.now() - startedAt) / 1000).toFixed(1) + " s");
    }, 100);
    recorder.addEventListener("stop", () => {
      clearInterval(timer);
      delete row.dataset.recordingMs;
      for (const track of stream.getTracks()) track.stop();
      const blob = new Blob(parts, { type: recorder.mimeType });
      blob.arrayBuffer().then((encoded) => upload(row, encoded));
    });
    recording = { row, button, recorder };
    row.dataset.recordingMs = "0";
    button.textContent = texts.stop;
    button.setAttribute("aria-pressed", "true");
    for (const other of document.querySelectorAll(".voice-record")) {
      if (other !== button) other.disabled = true;
    }
    recorder.start();
  }

  function stopRecording() {
    const { button, recorder } = recording;
    recording = null;
    button.textContent = texts.record;
    button.removeAttribute("aria-pressed");
    for (const other of document.querySelectorAll(".voice-record")) other.disabled = false;
    recorder.stop();
  }

  for (const row of document.querySelectorAll(".voice-clip")) {
    const button = row.querySelector(".voice-record");
    if (!canRecord) {
      button.disabled = true;
    } else {
      button.addEventListener("click", () => {
        if (recording) stopRecording();
        else startRecording(row, button);
      });
    }
    row.querySelector(".voice-file").addEventListener("change", (event) => {
      const file = event.target.files[0];
      if (file) file.arrayBuffer().then((encoded) => upload(row, encoded));
      event.target.value = "";
    });
  }
  if (!canRecord) {
    const note = document.createElement("p");
    note.className = "form-error";
    note.setAttribute("role", "alert");
    note.textContent = texts.noMicrophone;
    document.querySelector(".voice-summary").after(note);
  }

  // -- a whole call ------------------------------------------------------------------

  const announcer = new window.LuotAnnouncer({ pauseBetweenMs: 0 });
  const status = document.getElementById("call-status");
  document.getElementById("voice-call-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const query = new URLSearchParams({
      code: form.elements.code.value,
      counter: form.elements.counter.value,
      language: form.elements.language.value,
    });
    const separator = config.callUrl.includes("?") ? "&" : "?";
    const urls = fetch(config.callUrl + separator + query, { credentials: "same-origin" }).then(
      (response) =>
        response.json().then((body) => {
          if (!response.ok) throw new Error(body.error ? body.error.message : response.status);
          status.textContent = "";
          document.body.dataset.callClips = JSON.stringify(body.clips);
          return body.clips;
        }),
    );
    urls.catch((error) => {
      status.textContent = format(texts.callFailed, { reason: error.message || error });
    });
    announcer.announce(urls);
  });
})();

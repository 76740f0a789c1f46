// A recording's page (docs/recordings.md § Pages): record in the browser, or upload a file,
// into PUT /api/v1/recordings/{id}/audio, then listen.
// - The recorder (MediaRecorder, a piece every 2 s) sends its pieces while it records,
//   one request at a time, each at the offset the server has stored (Upload-Offset,
//   Upload-Complete: ?0). The server keeps whole 16 KiB chunks only, so the bytes past its
//   answered offset stay here and go again with the next piece. Stop sends the rest with
//   Upload-Complete: ?1; then the page plays the stored audio (GET .../audio, with Range).
// - A file goes in 1 MiB pieces with a progress bar.
// - After a failed request both ask the server where the upload stands (GET .../upload)
//   and go on from there.
'use strict';
(function () {
  const root = document.getElementById('recorder');
  if (!root || root.dataset.enabled !== '1') {
    return;
  }
  const base = '/api/v1/recordings/' + root.dataset.recording;
  const TIMESLICE_MS = 2000;
  const FILE_PIECE = 1024 * 1024;
  const RETRY_MS = 2000;
  const startBtn = document.getElementById('recorder-start');
  const stopBtn = document.getElementById('recorder-stop');
  const status = document.getElementById('recorder-status');
  const live = document.getElementById('recorder-live');
  const elapsed = document.getElementById('recorder-elapsed');
  const form = document.getElementById('upload-form');
  const fileInput = document.getElementById('upload-file');
  const uploadBtn = document.getElementById('upload-start');
  const progress = document.getElementById('upload-progress');
  const uploadStatus = document.getElementById('upload-status');
  const review = document.getElementById('recording-review');
  const playback = document.getElementById('recording-playback');
  const size = document.getElementById('recording-size');

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // An error the server answered in words ({"error":{"message"}}), or null.
  function messageOf(res) {
    return res.json().then(function (j) {
      return j && j.error && j.error.message ? j.error.message : null;
    }, function () { return null; });
  }

  class Failure extends Error {}  // not worth retrying: the server said no

  // One PUT of `body` at `offset`; resolves to the offset the server has stored.
  function put(offset, body, type, complete) {
    return fetch(base + '/audio', {
      method: 'PUT',
      credentials: 'same-origin',
      headers: {
        'Content-Type': type,
        'X-CSRF-Token': root.dataset.csrf,
        'Upload-Offset': String(offset),
        'Upload-Complete': complete ? '?1' : '?0',
      },
      body: body,
    }).then(function (res) {
      if (res.ok) {
        return Number(res.headers.get('Upload-Offset'));
      }
      if (res.status === 409 && res.headers.get('Upload-Offset') !== null) {
        return Number(res.headers.get('Upload-Offset'));  // the server is elsewhere: go on there
      }
      return messageOf(res).then(function (m) {
        if (res.status >= 500 || res.status === 408 || res.status === 429) {
          throw new Error(m || 'The server did not take this piece.');
        }
        throw new Failure(m || (res.status === 401 || res.status === 403
          ? 'You were signed out. Sign in again in another tab.'
          : 'The server refused the audio (' + res.status + ').'));
      });
    });
  }

  // Where the upload stands on the server.
  function serverOffset() {
    return fetch(base + '/upload', { credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) {
        return messageOf(res).then(function (m) {
          throw new Failure(m || 'The recording cannot take audio now.');
        });
      }
      return Number(res.headers.get('Upload-Offset'));
    });
  }

  function showReview(bytes) {
    review.hidden = false;
    playback.src = base + '/audio';
    playback.load();
    if (bytes) {
      size.textContent = 'Stored encrypted: ' + (bytes / 1e6).toFixed(1) + ' MB.';
    }
    root.querySelector('.recorder-controls').hidden = true;
    root.dataset.stored = '1';
  }

  // The bytes not yet stored whole by the server: `tail` holds everything from `stored`.
  class Queue {
    constructor(type, onState) {
      this.type = type;
      this.stored = 0;
      this.tail = new Blob([], { type: type });
      this.ended = false;
      this.busy = false;
      this.done = null;  // resolves when the last piece is stored
      this.onState = onState;
      this.failed = null;
      const self = this;
      this.finished = new Promise(function (resolve, reject) {
        self.done = { resolve: resolve, reject: reject };
      });
    }
    add(blob) {
      this.tail = new Blob([this.tail, blob], { type: this.type });
      this.pump();
    }
    end() {
      this.ended = true;
      this.pump();
      return this.finished;
    }
    // Moves the stored offset to `at` (bytes up to it are the server's now).
    advance(at) {
      if (at < this.stored || at > this.stored + this.tail.size) {
        throw new Failure('The server lost part of the recording. Start again.');
      }
      this.tail = this.tail.slice(at - this.stored, this.tail.size, this.type);
      this.stored = at;
    }
    pump() {
      if (this.busy || this.failed) {
        return;
      }
      const last = this.ended;
      if (!last && this.tail.size === 0) {
        return;
      }
      this.busy = true;
      const self = this;
      const body = this.tail;
      const sentEnd = this.stored + body.size;
      put(this.stored, body, this.type, last).then(function (at) {
        self.advance(at);
        self.busy = false;
        self.onState('');
        if (last && at === sentEnd) {
          self.done.resolve(at);
          return;
        }
        self.pump();
      }).catch(function (e) {
        self.retry(e);
      });
    }
    retry(e) {
      const self = this;
      if (e instanceof Failure) {
        this.failed = e;
        this.busy = false;
        this.done.reject(e);
        return;
      }
      this.onState('The connection dropped; trying again. Keep this tab open.');
      wait(RETRY_MS).then(serverOffset).then(function (at) {
        self.advance(at);
        self.busy = false;
        self.pump();
      }).catch(function (err) {
        self.retry(err);
      });
    }
  }

  // ---- The recorder ----
  let recorder = null;
  let queue = null;
  let started = 0;
  let ticker = null;

  function clock(ms) {
    const s = Math.floor(ms / 1000);
    const m = Math.floor(s / 60);
    return m + ':' + String(s % 60).padStart(2, '0');
  }

  function say(text) {
    status.textContent = text;
  }

  function pickType() {
    for (const t of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4']) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported(t)) {
        return t;
      }
    }
    return '';
  }

  function leaving(e) {
    e.preventDefault();
    e.returnValue = '';
  }

  function start() {
    const type = pickType();
    if (!navigator.mediaDevices || !type) {
      say('This browser cannot record audio. Upload a file instead.');
      return;
    }
    startBtn.disabled = true;
    say('Asking for the microphone…');
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      queue = new Queue(type, function (problem) {
        if (problem) {
          say(problem);
        }
      });
      recorder = new MediaRecorder(stream, { mimeType: type });
      // The server refused (consent withdrawn meanwhile, signed out): stop recording.
      queue.finished.catch(function () {
        if (recorder.state !== 'inactive') {
          recorder.stop();
        }
      });
      recorder.addEventListener('dataavailable', function (e) {
        if (e.data && e.data.size > 0) {
          queue.add(e.data);
        }
      });
      recorder.addEventListener('stop', function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        finish();
      });
      recorder.start(TIMESLICE_MS);
      started = Date.now();
      live.hidden = false;
      elapsed.textContent = '0:00';
      ticker = setInterval(function () { elapsed.textContent = clock(Date.now() - started); }, 500);
      stopBtn.disabled = false;
      fileInput.disabled = true;
      uploadBtn.disabled = true;
      window.addEventListener('beforeunload', leaving);
      say('Recording. The audio is sent as it is recorded.');
    }).catch(function () {
      startBtn.disabled = false;
      say('The microphone could not be used. Allow it for this site, or upload a file instead.');
    });
  }

  function finish() {
    clearInterval(ticker);
    live.hidden = true;
    say('Stopped after ' + clock(Date.now() - started) + '. Saving the last piece…');
    queue.end().then(function (bytes) {
      window.removeEventListener('beforeunload', leaving);
      say('Saved. You can listen to it below.');
      showReview(bytes);
    }).catch(function (e) {
      window.removeEventListener('beforeunload', leaving);
      say('The recording could not be saved: ' + e.message);
    });
  }

  startBtn.addEventListener('click', start);
  stopBtn.addEventListener('click', function () {
    stopBtn.disabled = true;
    if (recorder && recorder.state !== 'inactive') {
      recorder.stop();
    }
  });

  // ---- The upload of a file ----
  let lastFile = '';  // the file of an upload that stopped: the same one goes on from there

  function sendFile(file, from) {
    const type = file.type || 'application/octet-stream';
    let offset = from;
    let failures = 0;
    progress.hidden = false;
    progress.value = 0;
    function show() {
      progress.value = file.size === 0 ? 1 : offset / file.size;
      uploadStatus.textContent = 'Uploading: ' + Math.floor(100 * progress.value) + ' %';
    }
    function step() {
      const end = Math.min(offset + FILE_PIECE, file.size);
      const last = end === file.size;
      return put(offset, file.slice(offset, end), type, last).then(function (at) {
        failures = 0;
        offset = at;
        show();
        if (last && at === file.size) {
          return at;
        }
        return step();
      }, function (e) {
        if (e instanceof Failure || ++failures > 30) {
          throw e;
        }
        uploadStatus.textContent = 'The connection dropped; going on from where the server is…';
        return wait(RETRY_MS).then(serverOffset).then(function (at) {
          offset = at;
          show();
          return step();
        });
      });
    }
    return step();
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      uploadStatus.textContent = 'Choose an audio file first.';
      return;
    }
    uploadBtn.disabled = true;
    startBtn.disabled = true;
    window.addEventListener('beforeunload', leaving);
    const key = file.name + '/' + file.size + '/' + file.lastModified;
    const from = key === lastFile
      ? serverOffset().then(function (at) { return at <= file.size ? at : 0; }, function () { return 0; })
      : Promise.resolve(0);
    lastFile = key;
    from.then(function (at) {
      return sendFile(file, at);
    }).then(function (bytes) {
      window.removeEventListener('beforeunload', leaving);
      uploadStatus.textContent = 'Uploaded.';
      say('Uploaded. You can listen to it below.');
      showReview(bytes);
    }).catch(function (err) {
      window.removeEventListener('beforeunload', leaving);
      uploadBtn.disabled = false;
      startBtn.disabled = false;
      uploadStatus.textContent = 'The upload stopped: ' + err.message + ' Choose the same file and ' +
        'upload again to go on from where it stopped.';
    });
  });
})();

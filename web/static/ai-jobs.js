// A recording's page (docs/ai.md § Jobs): transcribe the stored audio, read the transcript,
// draft a summary from it. Each is a job on the server (POST .../transcribe,
// .../draft-summary → 202 and the job), followed here every second (GET /api/v1/ai/jobs/ID)
// with its progress, and cancellable (DELETE). The panel shows itself once the audio is
// stored (the recorder's review appears).
'use strict';
(function () {
  const panel = document.getElementById('ai-panel');
  if (!panel) {
    return;
  }
  const recording = panel.dataset.recording;
  const base = '/api/v1/recordings/' + recording;
  const transcribeBtn = document.getElementById('ai-transcribe');
  const cancelBtn = document.getElementById('ai-cancel');
  const progress = document.getElementById('ai-progress');
  const status = document.getElementById('ai-status');
  const box = document.getElementById('ai-transcript-box');
  const transcript = document.getElementById('ai-transcript');
  const draftBtn = document.getElementById('ai-draft');
  const format = document.getElementById('ai-format');
  const draftLink = document.getElementById('ai-draft-link');
  const draftOpen = document.getElementById('ai-draft-open');
  let running = null;  // the job being followed

  const OUTCOMES = {
    consent_missing: 'Stopped: someone’s consent is missing. Nothing was kept.',
    withdrawn: 'Stopped: consent was withdrawn, and the recording destroyed. Nothing was kept.',
    cancelled: 'Cancelled. Nothing was kept.',
    provider_unavailable: 'The transcription or drafting service did not answer. Try again later.',
    audio_unreadable: 'This audio could not be read. Try uploading it in another format.',
    no_audio: 'This recording has no audio (any more).',
    not_ready: 'There is no transcript to draft from yet.',
    too_many_attempts: 'This job failed several times and was given up.',
  };

  function call(method, path, body) {
    const headers = {'X-CSRF-Token': panel.dataset.csrf};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    return fetch(path, {
      method: method,
      credentials: 'same-origin',
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (j) { return {ok: res.ok, status: res.status, json: j}; },
                            function () { return {ok: res.ok, status: res.status, json: null}; });
    });
  }

  function say(words) {
    status.textContent = words;
  }

  function refusal(r) {
    return r.json && r.json.error && r.json.error.message
        ? r.json.error.message
        : 'Something went wrong (' + r.status + '). Try again.';
  }

  function busy(on) {
    transcribeBtn.disabled = on;
    draftBtn.disabled = on;
    cancelBtn.hidden = !on;
    progress.hidden = !on;
  }

  function showTranscript() {
    return call('GET', base + '/transcript').then(function (r) {
      if (r.ok && r.json && r.json.status === 'done') {
        transcript.textContent = r.json.text || '';
        box.hidden = false;
        transcribeBtn.textContent = 'Transcribe again';
        return true;
      }
      return false;
    });
  }

  function showDraft(job) {
    if (job && job.summary_id) {
      draftOpen.href = '/summaries/' + job.summary_id;
      draftLink.hidden = false;
    }
  }

  function follow(job) {
    running = job;
    busy(true);
    const kind = job.kind === 'draft' ? 'Drafting' : 'Transcribing';
    function step() {
      return call('GET', '/api/v1/ai/jobs/' + job.id).then(function (r) {
        if (!r.ok || !r.json) {
          say(refusal(r));
          busy(false);
          return;
        }
        const j = r.json;
        progress.value = j.progress || 0;
        if (j.status === 'queued' || j.status === 'running') {
          say(kind + (j.status === 'queued' ? ': waiting its turn…' :
                      ': ' + Math.round((j.progress || 0) * 100) + '%…'));
          setTimeout(step, 1000);
          return;
        }
        running = null;
        busy(false);
        if (j.status === 'done') {
          if (j.kind === 'draft') {
            say('The summary is drafted. Review it before it becomes part of the record.');
            showDraft(j);
          } else {
            say('Transcribed.');
            showTranscript();
          }
        } else {
          say(OUTCOMES[j.outcome] || 'This did not work. Try again.');
        }
      }, function () {
        say('The server could not be reached; still trying…');
        setTimeout(step, 3000);
      });
    }
    step();
  }

  function start(path, body, words) {
    say(words);
    busy(true);
    call('POST', path, body).then(function (r) {
      if (r.status === 202 && r.json && r.json.job) {
        follow(r.json.job);
      } else {
        busy(false);
        say(refusal(r));
      }
    }, function () {
      busy(false);
      say('The server could not be reached. Try again.');
    });
  }

  transcribeBtn.addEventListener('click', function () {
    start(base + '/transcribe', undefined, 'Asking for a transcript…');
  });
  draftBtn.addEventListener('click', function () {
    draftLink.hidden = true;
    start(base + '/draft-summary', {format: format.value}, 'Asking for a draft…');
  });
  cancelBtn.addEventListener('click', function () {
    if (running) {
      call('DELETE', '/api/v1/ai/jobs/' + running.id).then(function () {
        say('Cancelling…');
      });
    }
  });

  function load() {
    showTranscript().then(function () {
      return call('GET', base + '/ai-jobs');
    }).then(function (r) {
      if (!r || !r.ok || !r.json) {
        return;
      }
      const jobs = r.json.jobs || [];
      const active = jobs.find(function (j) { return j.status === 'queued' || j.status === 'running'; });
      if (active) {
        follow(active);
      }
      const draft = jobs.find(function (j) { return j.kind === 'draft' && j.status === 'done'; });
      showDraft(draft);
    });
  }

  if (panel.hidden) {
    // Shown once the recorder or the upload has stored the audio.
    const review = document.getElementById('recording-review');
    if (review) {
      new MutationObserver(function () {
        if (!review.hidden && panel.hidden) {
          panel.hidden = false;
        }
      }).observe(review, {attributes: true, attributeFilter: ['hidden']});
    }
  } else {
    load();
  }
})();

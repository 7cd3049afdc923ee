/* Scan page (扫码查看): reads an asset label's QR code with the camera (or a photo) and opens the card.
 *
 * The back camera's frames are drawn onto a canvas a few times a second and decoded by jsQR (vendored
 * from npm, served by this site). A QR code whose text is this site's short link /assets/c/<code>/ (on
 * this host or on the configured public address) opens that link on this host; any other text is
 * shown and scanning goes on. Nothing is requested from anywhere but this site.
 * Configuration and messages come from the page (json_script "scan-config"), so they are translated
 * with the rest of the interface.
 */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('scan-config').textContent);
  var text = config.messages;
  var video = document.getElementById('scan-video');
  var idle = document.getElementById('scan-idle');
  var status = document.getElementById('scan-status');
  var startButton = document.getElementById('scan-start');
  var stopButton = document.getElementById('scan-stop');
  var photo = document.getElementById('scan-photo');
  var codeInput = document.getElementById('scan-code');
  var canvas = document.createElement('canvas');
  var context = canvas.getContext('2d', { willReadFrequently: true });
  var MAX_SIDE = 720;     // frames are scaled down to this before decoding: fast enough on a phone
  var INTERVAL_MS = 150;  // about 6 decodes a second
  var stream = null;
  var timer = null;
  var leaving = false;
  var lastForeign = '';

  function say(message, kind) {
    status.textContent = message;
    status.className = 'alert alert-' + (kind || 'info') + ' small mb-2';
  }

  // The path on this host that a QR text stands for, or null when it is not one of our labels.
  function targetOf(content) {
    var value = (content || '').trim();
    var url;
    try {
      url = new URL(value);
    } catch (error) {
      // Older labels may carry the bare asset code: look it up.
      return /^[A-Za-z0-9._-]{4,40}$/.test(value) ? config.search + '?code=' + encodeURIComponent(value) : null;
    }
    if (config.origins.indexOf(url.origin) === -1 || url.pathname.indexOf(config.prefix) !== 0) {
      return null;
    }
    var code = url.pathname.slice(config.prefix.length).replace(/\/$/, '');
    if (!code || code.indexOf('/') !== -1) {
      return null;
    }
    return config.prefix + code + '/';
  }

  function handle(content) {
    var target = targetOf(content);
    if (target) {
      leaving = true;
      stop(true);
      say(text.found, 'success');
      window.location.assign(target);
      return true;
    }
    if (content !== lastForeign) {
      lastForeign = content;
      say(text.foreign + ' ' + content, 'warning');
    }
    return false;
  }

  function decode(source, width, height, inversion) {
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    var w = Math.max(1, Math.round(width * scale));
    var h = Math.max(1, Math.round(height * scale));
    canvas.width = w;
    canvas.height = h;
    context.drawImage(source, 0, 0, w, h);
    var found = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: inversion });
    return found && found.data ? found.data : null;
  }

  function tick() {
    timer = null;
    if (!stream || leaving) {
      return;
    }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      var content = decode(video, video.videoWidth, video.videoHeight, 'dontInvert');
      if (content && handle(content)) {
        return;
      }
    }
    timer = window.setTimeout(tick, INTERVAL_MS);
  }

  function stop(quiet) {
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    idle.classList.remove('d-none');
    stopButton.classList.add('d-none');
    startButton.classList.remove('d-none');
    if (!quiet) {
      say(text.stopped, 'secondary');
    }
  }

  function start() {
    if (stream) {
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(text.unsupported, 'warning');
      return;
    }
    say(text.starting, 'info');
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
      .then(function (media) {
        if (leaving) {
          media.getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        stream = media;
        video.srcObject = media;
        idle.classList.add('d-none');
        startButton.classList.add('d-none');
        stopButton.classList.remove('d-none');
        var playing = video.play();
        if (playing && playing.catch) {
          playing.catch(function () { /* autoplay of a muted inline video is allowed; retried by tick */ });
        }
        say(text.scanning, 'info');
        tick();
      })
      .catch(function (error) {
        var name = error && error.name;
        if (name === 'NotAllowedError' || name === 'SecurityError') {
          say(text.denied, 'warning');
        } else if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') {
          say(text.no_camera, 'warning');
        } else {
          say(text.failed + ' ' + (error && error.message ? error.message : name), 'danger');
        }
      });
  }

  // A photo taken with the camera app (or chosen from the album): for browsers without live camera
  // access, e.g. a site reached over plain HTTP.
  photo.addEventListener('change', function () {
    var file = photo.files && photo.files[0];
    if (!file) {
      return;
    }
    var image = new Image();
    var address = URL.createObjectURL(file);
    image.onload = function () {
      URL.revokeObjectURL(address);
      var content = decode(image, image.naturalWidth, image.naturalHeight, 'attemptBoth');
      photo.value = '';
      if (!content) {
        say(text.no_code, 'warning');
      } else {
        lastForeign = '';
        handle(content);
      }
    };
    image.onerror = function () {
      URL.revokeObjectURL(address);
      say(text.no_code, 'warning');
    };
    image.src = address;
  });

  startButton.addEventListener('click', start);
  stopButton.addEventListener('click', function () { stop(false); });
  // Release the camera when the page is left or hidden (the phone's camera light goes off).
  window.addEventListener('pagehide', function () { stop(true); });
  document.addEventListener('visibilitychange', function () {
    if (document.hidden && stream) {
      stop(false);
    }
  });

  window.jiguanScan = { targetOf: targetOf };

  // Start right away, unless the page shows the result of a typed-in code.
  if (!codeInput.value) {
    start();
  } else {
    say(text.ready, 'secondary');
  }
}());
